import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describe } from '../codec/describe.js';
import { decodeMessage, encodeMessage, makeMessage } from '../codec/streaming-message.js';
import { planSession } from './causal-plan.js';
import { createHostEngine } from './host-engine.js';
import { compileIgnores, DEFAULT_IGNORES } from './ignore-paths.js';
import { parsePace } from './pace.js';
import { buildFrames, m } from '../../test/helpers/build-frames.js';
import { OK, SAMPLE_SESSION } from '../../test/helpers/sample-session.js';

const live = (kind: string, value: object, requestId = '') =>
  encodeMessage(makeMessage(m(kind, value, requestId)));

function engine(pace = 'fast') {
  let n = 0;
  return createHostEngine(planSession(SAMPLE_SESSION), {
    pace: parsePace(pace),
    answerTimeoutMs: 10_000,
    ignore: compileIgnores(DEFAULT_IGNORES),
    workerId: 'LW',
    requestId: 'LR',
    newId: () => `live-${++n}`,
  });
}
const kinds = (sent: Uint8Array[]) => sent.map((b) => describe(b).kind);

test('the host engine releases messages by causality and matches answers by key, not order', () => {
  const e = engine();
  assert.deepEqual(e.poll(0).send, [], 'nothing before StartStream');
  e.receive(live('startStream', { workerId: 'LW' }, 'LR'), 1);
  assert.deepEqual(kinds(e.poll(1).send), ['workerInitRequest']);
  assert.deepEqual(e.poll(2).send, [], 'metadata waits for the init response');
  e.receive(live('workerInitResponse', { result: OK }), 3);
  assert.deepEqual(kinds(e.poll(3).send), ['functionsMetadataRequest']);
  // The live worker indexes functions under other ids: loads and invocations must use them.
  e.receive(
    live('functionMetadataResponse', {
      functionMetadataResults: [
        { name: 'a', functionId: 'A!' },
        { name: 'b', functionId: 'B!' },
      ],
    }),
    4,
  );
  const loads = e.poll(4).send;
  assert.deepEqual(
    loads.map((b) => describe(b).functionId),
    ['A!', 'B!'],
  );
  e.receive(live('functionLoadResponse', { functionId: 'A!', result: OK }), 5); // a first: the recording had b first
  const afterA = e.poll(5).send;
  assert.deepEqual(
    kinds(afterA),
    ['invocationRequest', 'invocationCancel'],
    "a's invocation and its cancel; b's waits for b's load",
  );
  assert.deepEqual(
    afterA.map((b) => describe(b).invocationId),
    ['live-1', 'live-1'],
  );
  assert.equal(describe(afterA[0]!).functionId, 'A!');
  e.receive(live('functionLoadResponse', { functionId: 'B!', result: OK }), 6);
  const afterB = e.poll(6).send;
  assert.deepEqual(kinds(afterB), ['invocationRequest', 'workerStatusRequest']);
  const statusRequestId = decodeMessage(afterB[1]!).requestId;
  assert.equal(statusRequestId, 'live-3', 'a fresh request id for the status request');
  // Answers in another order than recorded.
  e.receive(live('workerStatusResponse', {}, statusRequestId), 7);
  e.receive(live('invocationResponse', { invocationId: 'live-1', result: { status: 2 } }), 8);
  e.receive(live('rpcLog', { invocationId: 'live-2', message: 'b ran' }), 9); // recorded: "b runs"
  e.receive(live('workerActionResponse', {}), 9); // nobody expects this
  const p = e.poll(10);
  assert.deepEqual(p.send, [], 'terminate waits for every answer before it');
  assert.equal(p.done, false);
  assert.equal(p.wakeAtMs, 10_006, "b's response times out 10 s after b's invocation was sent");
  const late = e.poll(10_006);
  assert.deepEqual(
    kinds(late.send),
    ['workerTerminate'],
    'a missing answer resolves by timeout and releases the terminate',
  );
  assert.equal(e.poll(10_007).done, true);
  const outcomes = e.finish(10_007);
  const byKey = new Map(outcomes.map((o) => [o.key, o]));
  assert.equal(
    byKey.get('startStream#0')!.status,
    'matched',
    'worker and request ids mapped back before comparing',
  );
  assert.equal(byKey.get('functionMetadataResponse#0')!.status, 'matched', 'live function ids mapped back');
  assert.equal(byKey.get('functionLoadResponse:a')!.status, 'matched');
  assert.equal(byKey.get('invocationResponse:i1')!.status, 'matched');
  assert.equal(byKey.get('workerStatusResponse:S1')!.status, 'matched', 'matched by the echoed request id');
  assert.equal(byKey.get('invocationResponse:i2')!.status, 'missing');
  const logs = byKey.get('rpcLog:i2')!;
  assert.equal(logs.status, 'differed');
  assert.deepEqual(logs.differences, [{ path: 'logs[0].rpcLog.message', recorded: 'b runs', live: 'b ran' }]);
  assert.equal(logs.functionName, 'b');
  const extra = outcomes.filter((o) => o.status === 'extra');
  assert.deepEqual(
    extra.map((o) => o.kind),
    ['workerActionResponse'],
  );
});

test('recorded pace keeps the recorded delay after the releasing event; 10x scales it', () => {
  for (const [pace, wait] of [
    ['recorded', 2],
    ['10x', 0.2],
  ] as const) {
    const e = engine(pace);
    e.poll(0);
    e.receive(live('startStream', { workerId: 'LW' }, 'LR'), 100);
    const p = e.poll(100);
    assert.deepEqual(p.send, [], `${pace}: init is due ${wait} ms after StartStream`);
    assert.ok(Math.abs(p.wakeAtMs! - (100 + wait)) < 1e-9);
    assert.deepEqual(kinds(e.poll(100 + wait).send), ['workerInitRequest']);
  }
});

test('a differing answer names the field; ignored fields do not count', () => {
  const e = engine();
  e.poll(0);
  e.receive(live('startStream', { workerId: 'LW' }, 'LR'), 1);
  e.poll(1);
  e.receive(
    live('workerInitResponse', { result: { status: 0 }, workerMetadata: { runtimeVersion: '99' } }),
    2,
  );
  const init = e.resolved().find((o) => o.kind === 'workerInitResponse')!;
  assert.equal(init.status, 'differed');
  assert.deepEqual(init.differences, [
    { path: 'workerInitResponse.result.status', recorded: 'Success', live: 'Failure' },
  ]);
});

test('an invocation the recorded worker never answered keeps the replay open for the answer timeout; a live answer is unexpected', async () => {
  const frames = buildFrames([
    ['toHost', 0, m('startStream', { workerId: 'W' }, 'R')],
    ['toWorker', 1, m('functionLoadRequest', { functionId: 'f', metadata: { name: 'f', functionId: 'f' } })],
    ['toHost', 2, m('functionLoadResponse', { functionId: 'f', result: OK })],
    ['toWorker', 3, m('invocationRequest', { invocationId: 'hung', functionId: 'f' })],
  ]);
  const e = createHostEngine(planSession(frames), {
    pace: parsePace('fast'),
    answerTimeoutMs: 1000,
    ignore: compileIgnores([]),
    workerId: 'LW',
    requestId: 'LR',
    newId: () => 'live-1',
  });
  e.poll(0);
  e.receive(live('startStream', { workerId: 'LW' }, 'LR'), 0);
  e.poll(0);
  e.receive(live('functionLoadResponse', { functionId: 'f', result: OK }), 1);
  const p = e.poll(1);
  assert.deepEqual(kinds(p.send), ['invocationRequest']);
  assert.equal(p.done, false, 'watching for an answer the recording never had');
  assert.equal(p.wakeAtMs, 1001);
  e.receive(live('invocationResponse', { invocationId: 'live-1', result: OK }), 5);
  assert.equal(e.poll(5).done, true, 'the answer came: nothing left to watch');
  const extra = e.finish(5).filter((o) => o.status === 'extra');
  assert.deepEqual(
    extra.map((o) => o.key),
    ['invocationResponse:hung'],
  );
});

test('at most maxInFlight invocations are out at once; a finished one frees its slot for the next in recorded order', () => {
  const frames = buildFrames([
    ['toHost', 0, m('startStream', { workerId: 'W' }, 'R')],
    ['toWorker', 1, m('functionLoadRequest', { functionId: 'f', metadata: { name: 'f', functionId: 'f' } })],
    ['toHost', 2, m('functionLoadResponse', { functionId: 'f', result: OK })],
    ['toWorker', 3, m('invocationRequest', { invocationId: 'a', functionId: 'f' })],
    ['toWorker', 4, m('invocationRequest', { invocationId: 'b', functionId: 'f' })],
    ['toWorker', 5, m('invocationRequest', { invocationId: 'c', functionId: 'f' })],
    ['toHost', 6, m('invocationResponse', { invocationId: 'a', result: OK })],
    ['toHost', 7, m('invocationResponse', { invocationId: 'b', result: OK })],
    ['toHost', 8, m('invocationResponse', { invocationId: 'c', result: OK })],
  ]);
  const plan = planSession(frames);
  assert.equal(plan.peakInFlight, 3);
  let n = 0;
  const e = createHostEngine(plan, {
    pace: parsePace('fast'),
    answerTimeoutMs: 1000,
    ignore: compileIgnores([]),
    workerId: 'LW',
    requestId: 'LR',
    newId: () => `live-${++n}`,
    maxInFlight: 2,
  });
  e.poll(0);
  e.receive(live('startStream', { workerId: 'LW' }, 'LR'), 0);
  e.poll(0);
  e.receive(live('functionLoadResponse', { functionId: 'f', result: OK }), 1);
  assert.deepEqual(
    e.poll(1).send.map((b) => describe(b).invocationId),
    ['live-1', 'live-2'],
    'two slots',
  );
  assert.deepEqual(e.poll(2).send, []);
  e.receive(live('invocationResponse', { invocationId: 'live-2', result: OK }), 3);
  assert.deepEqual(
    e.poll(3).send.map((b) => describe(b).invocationId),
    ['live-3'],
    'b finished first: c takes its slot',
  );
  e.receive(live('invocationResponse', { invocationId: 'live-1', result: OK }), 4);
  e.receive(live('invocationResponse', { invocationId: 'live-3', result: OK }), 5);
  assert.equal(e.poll(5).done, true);
  assert.deepEqual(
    e.finish(5).filter((o) => o.status !== 'matched'),
    [],
  );
});

test('prepareAheadMs builds a paced message before it is due: same bytes at the same instant, rebuilt if the id map changed', () => {
  const frames = buildFrames([
    ['toHost', 0, m('startStream', { workerId: 'W' }, 'R')],
    ['toWorker', 1, m('functionsMetadataRequest', { functionAppDirectory: '/app' })],
    [
      'toHost',
      2,
      m('functionMetadataResponse', { functionMetadataResults: [{ name: 'f', functionId: 'f' }] }),
    ],
    ['toWorker', 10, m('invocationRequest', { invocationId: 'a', functionId: 'f' })],
    ['toHost', 11, m('invocationResponse', { invocationId: 'a', result: OK })],
  ]);
  const make = (prepareAheadMs: number) => {
    let n = 0;
    return createHostEngine(planSession(frames), {
      pace: parsePace('recorded'),
      answerTimeoutMs: 1000,
      ignore: compileIgnores([]),
      workerId: 'LW',
      requestId: 'LR',
      newId: () => `live-${++n}`,
      prepareAheadMs,
    });
  };
  /** Poll every 0.5 ms; the metadata answer arrives at `metadataAtMs`. */
  const run = (prepareAheadMs: number, metadataAtMs: number) => {
    const e = make(prepareAheadMs);
    const sent: Array<[number, string, string | undefined, string | undefined]> = [];
    const polls: Array<{ at: number; wakeAtMs?: number; sendAtMs?: number }> = [];
    e.receive(live('startStream', { workerId: 'LW' }, 'LR'), 0);
    for (let t = 0; t <= 12; t += 0.5) {
      if (t === metadataAtMs)
        e.receive(
          live('functionMetadataResponse', { functionMetadataResults: [{ name: 'f', functionId: 'F!' }] }),
          t,
        );
      const p = e.poll(t);
      polls.push({
        at: t,
        ...(p.wakeAtMs !== undefined ? { wakeAtMs: p.wakeAtMs } : {}),
        ...(p.sendAtMs !== undefined ? { sendAtMs: p.sendAtMs } : {}),
      });
      for (const b of p.send)
        sent.push([t, describe(b).kind, describe(b).invocationId, describe(b).functionId]);
    }
    return { sent, polls };
  };
  const plain = run(0, 2);
  const ahead = run(3, 2);
  assert.deepEqual(ahead.sent, plain.sent, 'the same messages at the same instants');
  assert.deepEqual(
    plain.sent.find((s) => s[1] === 'invocationRequest'),
    [10, 'invocationRequest', 'live-1', 'F!'],
  );
  const before = ahead.polls.find((p) => p.at === 5)!;
  assert.deepEqual([before.sendAtMs, before.wakeAtMs], [10, 7], 'wake at 7 to build, send at 10');
  const built = ahead.polls.find((p) => p.at === 7)!;
  assert.deepEqual(
    [built.sendAtMs, built.wakeAtMs],
    [10, 9.7],
    'built at 7: the next wake is a rehearsal 0.3 ms before the send',
  );
  const rehearsal = ahead.polls.find((p) => p.at === 10 - 0.5)!;
  assert.deepEqual(
    [rehearsal.sendAtMs, rehearsal.wakeAtMs],
    [10, 9.7],
    'a poll within 0.5 ms of the send still asks for the rehearsal',
  );
  assert.deepEqual(
    plain.polls.find((p) => p.at === 5)!.wakeAtMs,
    10,
    'without preparing, the wake is the send (no rehearsal)',
  );
  // The metadata answer comes after the invocation was built with the recorded function id.
  const late = run(3, 8);
  assert.deepEqual(
    late.sent.find((s) => s[1] === 'invocationRequest'),
    [10, 'invocationRequest', 'live-2', 'F!'],
    'rebuilt with the live function id (a second fresh id)',
  );
});

test('neither a poll that sends nor the poll after it builds ahead: they ask to be polled at once, and the third poll builds', () => {
  const frames = buildFrames([
    ['toHost', 0, m('startStream', { workerId: 'W' }, 'R')],
    ['toWorker', 10, m('invocationRequest', { invocationId: 'a', functionId: 'f' })],
    ['toWorker', 11, m('invocationRequest', { invocationId: 'b', functionId: 'f' })],
  ]);
  let built = 0;
  const e = createHostEngine(planSession(frames), {
    pace: parsePace('recorded'),
    answerTimeoutMs: 1000,
    ignore: compileIgnores([]),
    workerId: 'LW',
    requestId: 'LR',
    newId: () => `live-${++built}`,
    prepareAheadMs: 3,
  });
  e.receive(live('startStream', { workerId: 'LW' }, 'LR'), 0);
  assert.equal(e.poll(0).wakeAtMs, 7, 'wake to build a');
  assert.equal(e.poll(7).wakeAtMs, 9.7, 'a rehearsal poll 0.3 ms before a is due');
  assert.deepEqual(
    [e.poll(9.7).send, e.poll(9.7).wakeAtMs],
    [[], 10],
    'the rehearsal sends nothing; then the wake is the send',
  );
  assert.equal(built, 1, 'a built ahead');
  const atA = e.poll(10);
  assert.deepEqual(
    atA.send.map((b) => describe(b).invocationId),
    ['live-1'],
  );
  assert.equal(built, 1, 'b (due within 3 ms) is not built in the poll that sends a');
  assert.deepEqual([atA.wakeAtMs, atA.sendAtMs], [10, 11], 'poll again at once');
  const again = e.poll(10);
  assert.equal(built, 1, 'nor in the poll right after it (made before the sent bytes have left)');
  assert.deepEqual([again.send, again.wakeAtMs, again.sendAtMs], [[], 10, 11]);
  const next = e.poll(10.01);
  assert.equal(built, 2, 'the third poll builds b');
  assert.deepEqual([next.send, next.wakeAtMs, next.sendAtMs], [[], 10.7, 11]);
  assert.deepEqual(
    e.poll(11).send.map((b) => describe(b).invocationId),
    ['live-2'],
    'b as built ahead',
  );
  assert.equal(built, 2);
});

test("a StartStream that arrives before the replay clock starts has no live service time (not functape's uptime)", () => {
  const early = engine();
  early.receive(live('startStream', { workerId: 'LW' }, 'LR'), 24_277);
  early.poll(24_280);
  const first = early.resolved().find((o) => o.kind === 'startStream')!;
  assert.equal(first.status, 'matched');
  assert.equal(first.serviceMs, undefined);
  const later = engine();
  later.poll(100);
  later.receive(live('startStream', { workerId: 'LW' }, 'LR'), 109.5);
  assert.deepEqual(
    later.resolved().find((o) => o.kind === 'startStream')!.serviceMs?.live,
    9.5,
    'after the start: time since the replay started',
  );
});
