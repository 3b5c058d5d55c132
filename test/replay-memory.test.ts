// Replay end to end over in-memory streams (no sockets): scripted host ↔ reference
// worker recorded, then replayed against the reference worker and against replay worker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replayHost, replayHostSetup } from '../src/replay/replay-host.js';
import { replayWorker } from '../src/replay/replay-worker.js';
import { replayExitCode } from '../src/report/replay-report.js';
import { describe } from '../src/codec/describe.js';
import { decodeMessage } from '../src/codec/streaming-message.js';
import type { Direction } from '../src/model/frame.js';

function traceOf(bytes: Uint8Array): string {
  const m = decodeMessage(bytes);
  return m.content.case === 'invocationRequest' ? (m.content.value.traceContext?.traceParent ?? '') : '';
}
import { createDuplexPair, recordInMemory, runReferenceWorker } from './replay-support.js';

const LIVE = {
  workerId: 'live-worker-000-0000-000000000000',
  requestId: 'live-request-00-0000-000000000000',
};

async function replayAgainstReference(
  frames: Parameters<typeof replayHost>[0]['frames'],
  pace: string,
  greeting?: string,
  onTraffic?: (d: Direction, b: Uint8Array) => void,
) {
  const pair = createDuplexPair();
  const worker = runReferenceWorker(pair.worker, LIVE, greeting);
  const report = await replayHost({
    frames,
    duplex: pair.host,
    ...LIVE,
    pace,
    answerTimeoutMs: 5000,
    ...(onTraffic ? { onTraffic } : {}),
  });
  await worker;
  return report;
}

test('replay host against the same reference worker: every answer matches, exit 0', async () => {
  const frames = await recordInMemory({
    functions: ['hello', 'echo', 'log', 'fail', 'sleep'],
    invocations: 20,
    concurrency: 4,
    cancelEvery: 3,
  });
  const report = await replayAgainstReference(frames, 'fast');
  assert.deepEqual(
    report.outcomes.filter((o) => o.status !== 'matched'),
    [],
  );
  assert.equal(report.counts.matched, report.outcomes.length);
  assert.ok(
    report.outcomes.some((o) => o.kind === 'rpcLog' && o.status === 'matched'),
    'log groups compared',
  );
  assert.equal(
    report.counts.matched >= 20 + 5 + 3,
    true,
    'invocations, loads, init, metadata, start, status answered',
  );
  assert.equal(replayExitCode(report), 0);
});

test('replay host against a worker that changed one output field: exit 1 naming the field', async () => {
  const frames = await recordInMemory({ functions: ['hello', 'echo'], invocations: 6, concurrency: 2 });
  const report = await replayAgainstReference(frames, 'fast', 'Howdy');
  assert.equal(replayExitCode(report), 1);
  const differed = report.outcomes.filter((o) => o.status === 'differed');
  assert.equal(differed.length, 3, 'the three hello invocations differ, nothing else');
  for (const o of differed) {
    assert.equal(o.functionName, 'hello');
    assert.deepEqual(
      o.differences.map((d) => d.path),
      ['invocationResponse.returnValue.http.body.string'],
    );
    const [d] = o.differences;
    assert.match(String(d!.recorded), /^Hello, \w+!$/);
    assert.match(String(d!.live), /^Howdy, \w+!$/);
  }
});

test('200 interleaved invocations of different durations replay with zero diffs at fast, recorded and 10x', async () => {
  const frames = await recordInMemory({
    functions: ['sleep', 'hello', 'sleep', 'log'],
    invocations: 200,
    concurrency: 40,
    cancelEvery: 9,
  });
  const requests = frames.filter((f) => f.kind === 'invocationRequest').map((f) => f.invocationId);
  const responses = frames.filter((f) => f.kind === 'invocationResponse').map((f) => f.invocationId);
  assert.equal(responses.length, 200);
  assert.notDeepEqual(
    responses,
    requests,
    'the recording really interleaves: answers come in another order than requests',
  );
  // Live invocation ids → recorded ones, through the trace context replay sends unchanged.
  const recordedByTrace = new Map(
    frames.filter((f) => f.kind === 'invocationRequest').map((f) => [traceOf(f.bytes), f.invocationId]),
  );
  for (const pace of ['fast', 'recorded', '10x']) {
    const liveToRecorded = new Map<string, string | undefined>();
    const liveAnswerOrder: Array<string | undefined> = [];
    const report = await replayAgainstReference(frames, pace, undefined, (direction, bytes) => {
      const d = describe(bytes);
      if (direction === 'toWorker' && d.kind === 'invocationRequest')
        liveToRecorded.set(d.invocationId!, recordedByTrace.get(traceOf(bytes)));
      if (direction === 'toHost' && d.kind === 'invocationResponse')
        liveAnswerOrder.push(liveToRecorded.get(d.invocationId!));
    });
    assert.equal(
      liveAnswerOrder.filter(Boolean).length,
      200,
      'every live answer traced back to its recorded invocation',
    );
    if (pace === 'fast')
      assert.notDeepEqual(
        liveAnswerOrder,
        responses,
        'the live worker answered in another order than recorded; matching held anyway',
      );
    assert.deepEqual(
      report.outcomes
        .filter((o) => o.status !== 'matched')
        .map((o) => `${o.key} ${o.status} ${JSON.stringify(o.differences)}`),
      [],
      pace,
    );
    assert.equal(report.outcomes.filter((o) => o.kind === 'invocationResponse').length, 200, pace);
    assert.equal(replayExitCode(report), 0, pace);
  }
});

test('replay host driving replay worker from the same recording: both exit 0 (round trip)', async () => {
  const frames = await recordInMemory({
    functions: ['hello', 'sleep', 'log', 'echo'],
    invocations: 24,
    concurrency: 6,
    cancelEvery: 4,
  });
  for (const pace of ['fast', 'recorded']) {
    const pair = createDuplexPair();
    const [hostReport, workerReport] = await Promise.all([
      replayHost({ frames, duplex: pair.host, ...LIVE, pace, answerTimeoutMs: 5000 }),
      replayWorker({ frames, duplex: pair.worker, ...LIVE, pace }),
    ]);
    assert.deepEqual(
      hostReport.outcomes.filter((o) => o.status !== 'matched'),
      [],
      `host side, ${pace}`,
    );
    assert.deepEqual(
      workerReport.outcomes.filter((o) => o.status !== 'matched'),
      [],
      `worker side, ${pace}`,
    );
    assert.equal(workerReport.notReceived, 0);
    assert.equal(replayExitCode(hostReport), 0);
    assert.equal(replayExitCode(workerReport), 0);
  }
});

test('a specialized worker that loads functions as one collection replays with zero diffs, both ways', async () => {
  const frames = await recordInMemory({
    functions: ['hello', 'sleep', 'log'],
    invocations: 12,
    concurrency: 3,
    loadCollection: true,
    reloadEnv: true,
  });
  assert.ok(frames.some((f) => f.kind === 'functionLoadRequestCollection'));
  assert.ok(frames.some((f) => f.kind === 'functionEnvironmentReloadRequest'));
  const pair = createDuplexPair();
  const worker = runReferenceWorker(pair.worker, LIVE, undefined, true);
  const report = await replayHost({
    frames,
    duplex: pair.host,
    ...LIVE,
    pace: 'recorded',
    answerTimeoutMs: 5000,
  });
  await worker;
  assert.deepEqual(
    report.outcomes.filter((o) => o.status !== 'matched'),
    [],
  );
  assert.ok(
    report.outcomes.some((o) => o.kind === 'functionLoadResponseCollection' && o.status === 'matched'),
  );
  const rt = createDuplexPair();
  const [h, w] = await Promise.all([
    replayHost({ frames, duplex: rt.host, ...LIVE, pace: 'fast', answerTimeoutMs: 5000 }),
    replayWorker({ frames, duplex: rt.worker, ...LIVE, pace: 'fast' }),
  ]);
  assert.equal(replayExitCode(h), 0);
  assert.equal(replayExitCode(w), 0);
});

test('replayHostSetup plays only the setup (what bench reuses), then replayRest finishes the same replay', async () => {
  const frames = await recordInMemory({ functions: ['hello', 'sleep'], invocations: 6, concurrency: 2 });
  const pair = createDuplexPair();
  const seen: string[] = [];
  const worker = runReferenceWorker(pair.worker, LIVE);
  const setup = await replayHostSetup({
    frames,
    duplex: pair.host,
    ...LIVE,
    pace: 'fast',
    onTraffic: (d, b) => d === 'toWorker' && seen.push(describe(b).kind),
  });
  assert.equal(setup.ended, undefined);
  assert.ok(
    seen.length > 0 &&
      seen.every((k) => ['workerInitRequest', 'functionsMetadataRequest', 'functionLoadRequest'].includes(k)),
    seen.join(),
  );
  assert.deepEqual(
    setup.outcomes.filter((o) => o.status !== 'matched'),
    [],
  );
  assert.ok(setup.outcomes.some((o) => o.kind === 'functionLoadResponse'));
  assert.equal(setup.liveFunctionId('hello'), 'hello', 'the reference worker indexes functions by name');
  const report = await setup.replayRest();
  await worker;
  assert.equal(replayExitCode(report), 0);
  assert.ok(seen.includes('invocationRequest') && seen.includes('workerTerminate'));
});

test('an interrupted replay says so: what was pending is skipped, not failed, in every output; exit 130', async () => {
  const [{ SAMPLE_SESSION }, { formatReplayJunit }, { formatReplayJson }, { formatReplayText }] =
    await Promise.all([
      import('./helpers/sample-session.js'),
      import('../src/report/replay-junit.js'),
      import('../src/report/replay-json.js'),
      import('../src/report/replay-text.js'),
    ]);
  const pair = createDuplexPair();
  pair.worker.onMessage(() => undefined); // a worker that never answers: the replay waits at init
  const stop = new AbortController();
  setTimeout(() => stop.abort(), 50);
  const report = await replayHost({
    frames: SAMPLE_SESSION,
    duplex: pair.host,
    ...LIVE,
    pace: 'fast',
    answerTimeoutMs: 5000,
    signal: stop.signal,
  });
  assert.equal(report.interrupted, true);
  assert.equal(replayExitCode(report), 130);
  assert.deepEqual(
    { ...report.counts },
    { matched: 0, differed: 0, missing: 0, extra: 0, skipped: report.outcomes.length },
  );
  assert.ok(report.outcomes.length >= 5, 'init, metadata, loads, invocations, status are all pending');
  const junit = formatReplayJunit(report);
  assert.match(junit, /<testsuites name="functape replay" tests="\d+" failures="0" errors="0" skipped="\d+"/);
  assert.equal(junit.match(/<skipped message="[^"]*replay interrupted"\/>/g)?.length, report.outcomes.length);
  assert.doesNotMatch(junit, /<failure/);
  const json = JSON.parse(formatReplayJson(report)) as {
    exitCode: number;
    interrupted: boolean;
    summary: string;
  };
  assert.deepEqual([json.exitCode, json.interrupted], [130, true]);
  assert.match(json.summary, /^interrupted: 0 answers matched, 0 differed, 0 missing, \d+ not reached$/);
  assert.match(
    formatReplayText(report, { color: false }),
    /replay interrupted\ninterrupted: 0 answers matched/,
  );
});
