import { test } from 'node:test';
import { incidentText } from '../report/bench-incidents.js';
import assert from 'node:assert/strict';
import { decodeMessage, encodeMessage, makeMessage } from '../codec/streaming-message.js';
import { createDuplexPair } from '../replay/memory-duplex.js';
import { buildFrames, m } from '../../test/helpers/build-frames.js';
import { runBenchLoad, type BenchTarget } from './bench-driver.js';
import { collectBenchSource } from './bench-source.js';
import { resolveLoadPlan, type LoadFlags } from './load-plan.js';
import { createPacer } from './pacer.js';

/** A recorded session: two functions, three invocations (a, b, a), their answers and a log. */
const frames = buildFrames([
  ['toWorker', 0, m('functionLoadRequest', { functionId: 'rec-a', metadata: { name: 'alpha' } })],
  ['toWorker', 1, m('functionLoadRequest', { functionId: 'rec-b', metadata: { name: 'beta' } })],
  ['toWorker', 2, m('invocationRequest', { invocationId: 'i1', functionId: 'rec-a' })],
  ['toHost', 3, m('rpcLog', { invocationId: 'i1', message: 'hi' })],
  ['toHost', 3, m('invocationResponse', { invocationId: 'i1', result: { status: 1 } })],
  ['toWorker', 4, m('invocationRequest', { invocationId: 'i2', functionId: 'rec-b' })],
  ['toHost', 5, m('invocationResponse', { invocationId: 'i2', result: { status: 1 } })],
  ['toWorker', 6, m('invocationRequest', { invocationId: 'i3', functionId: 'rec-a' })],
  ['toHost', 7, m('invocationResponse', { invocationId: 'i3', result: { status: 1 } })],
]);

interface FakeWorker {
  target: BenchTarget;
  received: Array<{ invocationId: string; functionId: string }>;
  breakStream(): void;
}

/**
 * A worker on an in-memory stream: answers each invocation after `serviceMs`, one at a
 * time when `serial` (a worker with a capacity), with one RpcLog first for `alpha`.
 * Function `beta` fails.
 */
function fakeWorker(
  name: string,
  opts: { serviceMs: number; serial?: boolean; silent?: boolean },
): FakeWorker {
  const pair = createDuplexPair();
  const received: FakeWorker['received'] = [];
  let busyUntil = 0;
  pair.worker.onMessage((bytes) => {
    const msg = decodeMessage(bytes);
    if (msg.content.case !== 'invocationRequest') return;
    const { invocationId, functionId } = msg.content.value;
    received.push({ invocationId, functionId });
    if (opts.silent) return;
    const start = opts.serial ? Math.max(performance.now(), busyUntil) : performance.now();
    busyUntil = start + opts.serviceMs;
    setTimeout(() => {
      if (functionId === `${name}-alpha`)
        pair.worker.send(
          encodeMessage(makeMessage({ content: { case: 'rpcLog', value: { invocationId, message: 'hi' } } })),
        );
      const status = functionId === `${name}-beta` ? 0 : 1;
      pair.worker.send(
        encodeMessage(
          makeMessage({
            content: { case: 'invocationResponse', value: { invocationId, result: { status } } },
          }),
        ),
      );
    }, busyUntil - performance.now());
  });
  const target: BenchTarget = {
    duplex: pair.host,
    workerId: name,
    pid: null,
    liveFunctionId: (id) => `${name}-${id === 'rec-a' ? 'alpha' : 'beta'}`,
    space: {
      ids: {
        toRecorded: (id) => (id === `${name}-alpha` ? 'rec-a' : id === `${name}-beta` ? 'rec-b' : undefined),
      },
    },
  };
  return { target, received, breakStream: () => pair.worker.cancel() };
}

async function run(flags: LoadFlags, workers: FakeWorker[], only: string[] = [], drainTimeoutMs = 2000) {
  return runBenchLoad({
    pacer: createPacer(resolveLoadPlan(flags)),
    source: collectBenchSource(frames, only),
    targets: workers.map((w) => w.target),
    drainTimeoutMs,
  });
}

test('the source: recorded requests in order, with names, answers and logs', () => {
  const s = collectBenchSource(frames);
  assert.deepEqual(s.functions, [
    { name: 'alpha', recordedFunctionId: 'rec-a' },
    { name: 'beta', recordedFunctionId: 'rec-b' },
  ]);
  assert.deepEqual(
    s.templates.map((t) => [t.fn, t.recordedInvocationId, Boolean(t.answer), t.logs.length]),
    [
      [0, 'i1', true, 1],
      [1, 'i2', true, 0],
      [0, 'i3', true, 0],
    ],
  );
  assert.deepEqual(
    collectBenchSource(frames, ['beta']).templates.map((t) => t.recordedInvocationId),
    ['i2'],
  );
  assert.throws(() => collectBenchSource(frames, ['gamma']), /"gamma".*alpha, beta/);
  assert.throws(() => collectBenchSource(frames.slice(0, 2)), /no recorded InvocationRequest/);
});

test('closed loop: fresh ids, live function ids, recorded order, counts that add up', async () => {
  const w = fakeWorker('w1', { serviceMs: 2 });
  const r = await run({ concurrency: 3, invocations: 60 }, [w]);
  assert.equal(r.stopReason, 'done');
  assert.equal(r.overall.sent, 60);
  assert.equal(r.overall.completed, 60);
  assert.equal(w.received.length, 60);
  assert.equal(new Set(w.received.map((x) => x.invocationId)).size, 60, 'every invocation id is fresh');
  assert.deepEqual(
    w.received.slice(0, 6).map((x) => x.functionId),
    ['w1-alpha', 'w1-beta', 'w1-alpha', 'w1-alpha', 'w1-beta', 'w1-alpha'],
    'templates cycled in recorded order, live function ids',
  );
  assert.deepEqual(r.overall.statuses, { Success: 40, Failure: 20 });
  assert.equal(r.overall.errors, 20);
  assert.deepEqual(
    r.functions.map((f) => [f.name, f.completed, f.rpcLogs]),
    [
      ['alpha', 40, 40],
      ['beta', 20, 0],
    ],
  );
  assert.ok(
    r.overall.latency!.p50Us >= 1000,
    `latency includes the 2 ms service time (${r.overall.latency!.p50Us} µs)`,
  );
});

test('open loop: the schedule decides the sends; a slow serial worker shows growing latency', async () => {
  const w = fakeWorker('w1', { serviceMs: 10, serial: true }); // capacity 100/s
  const r = await run({ rate: 200, duration: '500ms' }, [w]);
  assert.equal(r.overall.sent + r.overall.backlog, 100);
  assert.equal(r.overall.completed, r.overall.sent);
  assert.ok(
    r.overall.latency!.maxUs > 200_000,
    `the backlog shows in latency (max ${r.overall.latency!.maxUs} µs)`,
  );
  assert.ok(r.overall.latency!.minUs < 50_000, `the first ones were quick (${r.overall.latency!.minUs} µs)`);
});

test('warmup is run but not counted', async () => {
  const w = fakeWorker('w1', { serviceMs: 1 });
  const r = await run({ rate: 100, warmup: '200ms', duration: '300ms' }, [w]);
  assert.equal(r.warmup.sent, 20);
  assert.equal(r.overall.sent, 30);
  assert.equal(w.received.length, 50);
});

test('two workers share the load; a broken stream stops the run', async () => {
  const a = fakeWorker('a', { serviceMs: 1 });
  const b = fakeWorker('b', { serviceMs: 1 });
  const r = await run({ concurrency: 4, invocations: 100 }, [a, b]);
  assert.deepEqual(
    r.workers.map((x) => x.completed).reduce((x, y) => x + y),
    100,
  );
  assert.ok(
    a.received.length >= 30 && b.received.length >= 30,
    `${a.received.length} / ${b.received.length}`,
  );
  assert.ok(
    b.received.every((x) => x.functionId.startsWith('b-')),
    'each stream gets its own live function ids',
  );

  const c = fakeWorker('c', { serviceMs: 5 });
  setTimeout(() => c.breakStream(), 100);
  const broke = await run({ concurrency: 2, duration: '10s' }, [c]);
  assert.equal(broke.stopReason, 'worker-broke');
  assert.ok(
    broke.incidents.some((i) => i.kind === 'worker-ended' && i.worker === 1 && i.workerId === 'c'),
    JSON.stringify(broke.incidents),
  );
  assert.ok(broke.incidents.map(incidentText).some((n) => n.includes('ended its stream')));
});

test('a worker that stops answering ends a count-bound run instead of hanging it', async () => {
  const w = fakeWorker('w', { serviceMs: 0, silent: true });
  const r = await run({ concurrency: 2, invocations: 10 }, [w], [], 300);
  assert.equal(r.stopReason, 'worker-broke');
  assert.equal(r.overall.sent, 2);
  assert.equal(r.overall.unanswered, 2);
  assert.deepEqual(
    r.incidents.filter((i) => i.kind === 'stalled'),
    [{ kind: 'stalled', silentMs: 300, inFlight: 2 }],
  );
  assert.ok(
    r.incidents.map(incidentText).some((n) => n.includes('stopped answering')),
    JSON.stringify(r.incidents),
  );
});

test('the sends of one event-loop turn go out as one batch when the stream can write several at once', async () => {
  const w = fakeWorker('w1', { serviceMs: 1 });
  const batches: number[] = [];
  const host = w.target.duplex;
  const batching = Object.assign(Object.create(host) as typeof host, {
    sendMany(list: readonly Uint8Array[]) {
      batches.push(list.length);
      let ok = true;
      for (const b of list) ok = host.send(b) && ok;
      return ok;
    },
  });
  const r = await runBenchLoad({
    pacer: createPacer(resolveLoadPlan({ concurrency: 8, invocations: 40 })),
    source: collectBenchSource(frames),
    targets: [{ ...w.target, duplex: batching }],
    drainTimeoutMs: 2000,
  });
  assert.equal(r.stopReason, 'done');
  assert.equal(r.overall.completed, 40);
  assert.equal(w.received.length, 40);
  assert.equal(batches[0], 8, 'the first pump fills the window in one write');
  assert.equal(
    batches.reduce((a, b) => a + b, 0),
    40,
    'every invocation went through sendMany, once',
  );
});
