// The fault verdict rules, in memory (no processes): replayHost with faults against the
// reference worker's protocol over an in-memory stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHostFault } from '../src/replay/faults/fault-spec.js';
import { replayHost } from '../src/replay/replay-host.js';
import { replayExitCode } from '../src/report/replay-report.js';
import { createDuplexPair, recordInMemory, runReferenceWorker } from './replay-support.js';

const LIVE = {
  workerId: 'live-worker-000-0000-000000000000',
  requestId: 'live-request-00-0000-000000000000',
};

async function faulted(frames: Awaited<ReturnType<typeof recordInMemory>>, specs: string[], seed = 3) {
  const pair = createDuplexPair();
  const worker = runReferenceWorker(pair.worker, LIVE);
  const report = await replayHost({
    frames,
    duplex: pair.host,
    ...LIVE,
    pace: 'fast',
    answerTimeoutMs: 2000,
    faults: specs.map(parseHostFault),
    seed,
  });
  await worker;
  return report;
}

test('faulted answers are judged by the fault rules: Cancelled after a cancel fault, a second answer to a duplicate, no answer to a drop', async () => {
  const frames = await recordInMemory({ functions: ['sleep', 'hello'], invocations: 8, concurrency: 2 });
  const cancelled = await faulted(frames, ['cancel:sleep@0ms']);
  assert.equal(
    replayExitCode(cancelled),
    0,
    JSON.stringify(cancelled.outcomes.filter((o) => o.status !== 'matched')),
  );
  assert.ok(cancelled.outcomes.some((o) => o.note === 'Cancelled, as a fault cancelled it'));
  assert.equal(cancelled.faults?.injected.filter((f) => f.fault === 'cancel').length, 4);

  const doubled = await faulted(frames, ['dup:invocation@100%']);
  assert.equal(
    replayExitCode(doubled),
    0,
    JSON.stringify(doubled.outcomes.filter((o) => o.status !== 'matched')),
  );
  assert.equal(doubled.counts.extra, 0, 'the second answers are right');
  assert.equal(doubled.sent, cancelled.sent + 4, 'each of 8 invocations twice, where 4 sleeps got a cancel');

  const dropped = await faulted(frames, ['drop:invocation@100%']);
  assert.equal(replayExitCode(dropped), 0);
  assert.ok(!dropped.outcomes.some((o) => o.kind === 'invocationResponse'), 'no invocation answer expected');
});

test('a stall needs a transport that can stop reading: over memory it is listed as not done', async () => {
  const frames = await recordInMemory({ functions: ['hello'], invocations: 2, concurrency: 1 });
  const r = await faulted(frames, ['stall:5ms/10ms']);
  assert.equal(replayExitCode(r), 0);
  assert.deepEqual(r.faults?.injected, [
    { fault: 'stall', detail: 'not done: this transport cannot stop reading' },
  ]);
});
