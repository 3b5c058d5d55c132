import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildFrames, m } from '../../../test/helpers/build-frames.js';
import { tallyOutcomes, type ReplayOutcome, type ReplayReport } from '../../report/replay-report.js';
import type { ReplayFrame } from '../replay-frame.js';
import type { Candidate } from './candidate-runner.js';
import { minimizeRecording, type MinimizeOptions } from './minimize-engine.js';
import { withEmptyBody } from './empty-body.js';
import { describeTarget, failureSignature, parseUntil, showsFailure } from './failure-signature.js';

const FNS = ['hello', 'fail', 'echo'];

/** Setup, three loads, `n` invocations cycling through FNS (echo with a body), terminate. */
function session(n: number): ReplayFrame[] {
  const body = {
    rpcData: {
      case: 'data',
      value: { data: { case: 'http', value: { body: { data: { case: 'string', value: 'x' } } } } },
    },
  };
  return buildFrames([
    ['toHost', 0, m('startStream', { workerId: 'w' })],
    ['toWorker', 0, m('workerInitRequest', {}, 'r')],
    ['toHost', 0, m('workerInitResponse', {}, 'r')],
    ...FNS.flatMap((fn) => [
      ['toWorker', 0, m('functionLoadRequest', { functionId: fn, metadata: { name: fn } }, fn)] as const,
      ['toHost', 0, m('functionLoadResponse', { functionId: fn }, fn)] as const,
    ]),
    ...Array.from({ length: n }, (_, i) => {
      const fn = FNS[(i * 7) % 3]!;
      const inv = { invocationId: `i${i}`, functionId: fn, inputData: fn === 'echo' ? [body] : [] };
      return [
        ['toWorker', 1, m('invocationRequest', inv)] as const,
        ['toHost', 1, m('invocationResponse', { invocationId: `i${i}` })] as const,
      ];
    }).flat(),
    ['toWorker', 2, m('workerTerminate', {})],
  ]);
}

function report(outcomes: ReplayOutcome[], broken = false): ReplayReport {
  return {
    played: 'host',
    session: {},
    pace: 'fast',
    startedAtMs: 0,
    durationMs: 1,
    sent: 0,
    outcomes,
    counts: tallyOutcomes(outcomes),
    stream: { broken },
  };
}

const differed = (fn: string): ReplayOutcome => ({
  kind: 'invocationResponse',
  key: 'k',
  status: 'differed',
  functionName: fn,
  differences: [
    { path: 'invocationResponse.returnValue.http.body.string', recorded: 'Hello', live: 'Goodbye' },
  ],
});

/** The state bug as an oracle: every hello after a fail answers wrongly. */
function stateBug(c: Candidate): ReplayReport {
  let failed = false;
  const outcomes: ReplayOutcome[] = [];
  for (const f of c.frames) {
    if (f.kind !== 'invocationRequest') continue;
    if (f.functionId === 'fail') failed = true;
    if (f.functionId === 'hello' && failed) outcomes.push(differed('hello'));
  }
  return report(outcomes);
}

const base = (extra: Partial<MinimizeOptions>): MinimizeOptions => ({
  frames: session(300),
  replay: async (c) => stateBug(c),
  confirm: 2,
  jobs: 3,
  fastAlready: false,
  ...extra,
});

test('minimize: the state bug shrinks to a fail then a hello, 1-minimal, fast, body-free, in bounded runs', async () => {
  const r = await minimizeRecording(base({}));
  assert.equal(r.type, 'done');
  if (r.type !== 'done') return;
  const kept = r.kept.map((i) => r.units.units[i]!.functionId);
  assert.deepEqual(kept, ['fail', 'hello']);
  assert.equal(r.oneMinimal, true);
  assert.equal(r.fast, true);
  assert.equal(r.stoppedBy, undefined);
  assert.ok(r.runs <= 80, `${r.runs} runs`);
  // setup (3) + 2 loads × 2 + 2 invocations × 2 + terminate
  assert.equal(r.frames.length, 3 + 4 + 4 + 1);
});

test('minimize: a flaky failure and a passing original are refused before any search', async () => {
  let n = 0;
  const flaky = await minimizeRecording(base({ replay: async (c) => (n++ % 2 ? report([]) : stateBug(c)) }));
  assert.deepEqual(flaky, { type: 'flaky', failed: 1, of: 2 });
  const passes = await minimizeRecording(base({ replay: async () => report([]) }));
  assert.deepEqual(passes, { type: 'passes', runs: 2 });
});

test('minimize: --max-runs stops the search with the best so far, said to be not minimal', async () => {
  const r = await minimizeRecording(base({ maxRuns: 5, jobs: 1 }));
  assert.equal(r.type, 'done');
  if (r.type !== 'done') return;
  assert.equal(r.stoppedBy, 'max-runs');
  assert.equal(r.oneMinimal, false);
  assert.ok(r.runs <= 5 + 2);
  assert.ok(r.kept.length < 300 && r.kept.length > 2);
});

test('minimize: an input body is emptied unless the failure needs it', async () => {
  const echo = (needsBody: boolean) => async (c: Candidate) => {
    const echoes = c.frames.filter((f) => f.functionId === 'echo' && f.kind === 'invocationRequest');
    const fails = echoes.some((f) => !needsBody || withEmptyBody(f.bytes) !== undefined);
    return report(fails ? [differed('echo')] : []);
  };
  for (const needsBody of [true, false]) {
    const r = await minimizeRecording(base({ replay: echo(needsBody), fastAlready: true }));
    assert.equal(r.type, 'done');
    if (r.type !== 'done') return;
    assert.equal(r.kept.length, 1);
    assert.equal(r.emptiedBodies, needsBody ? 0 : 1);
    assert.equal(r.fast, false, 'fastAlready: no pace step');
  }
});

test('failure signatures: broke vs field sets; --until classes and paths', () => {
  const a = report([differed('hello')]);
  const sig = failureSignature(a)!;
  assert.deepEqual(sig, {
    broke: false,
    entries: ['invocationResponse hello invocationResponse.returnValue.http.body.string'],
  });
  assert.equal(failureSignature(report([])), undefined);
  assert.equal(
    showsFailure(report([differed('hello'), differed('hello')]), { type: 'same', signature: sig }),
    true,
  );
  assert.equal(showsFailure(report([differed('echo')]), { type: 'same', signature: sig }), false);
  assert.equal(showsFailure(report([], true), { type: 'same', signature: sig }), false);
  assert.equal(
    showsFailure(report([], true), { type: 'same', signature: { broke: true, entries: [] } }),
    true,
  );
  assert.equal(showsFailure(a, parseUntil('differs')), true);
  assert.equal(showsFailure(a, parseUntil('missing')), false);
  assert.equal(showsFailure(a, parseUntil('broke')), false);
  assert.equal(showsFailure(a, parseUntil('invocationResponse.returnValue.**')), true);
  assert.equal(showsFailure(a, parseUntil('rpcLog.message')), false);
  assert.throws(() => parseUntil('**'), /every message/);
  assert.match(describeTarget({ type: 'same', signature: sig }), /: 1 differing answer field \(/);
  const missing = failureSignature(
    report([
      { kind: 'invocationResponse', key: 'k', status: 'missing', functionName: 'sleep', differences: [] },
    ]),
  )!;
  assert.deepEqual(missing.entries, ['invocationResponse sleep (missing)']);
  assert.match(describeTarget({ type: 'same', signature: missing }), /1 failing answers and fields/);
  assert.equal(describeTarget(parseUntil('broke')), '--until broke');
});
