// functape between two peers that share none of its code: a host and a worker written in
// Python with grpcio (test/python/). Each peer logs the exact bytes it handed to and got
// from grpcio; the recording must hold each of them once, same bytes, same order per
// direction, and the peers must behave exactly as when connected directly.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  assertPythonGrpc, exportFrames, FUNCTAPE, functapeHas, hostArgs, hostBehaviour, hostSummary, kindCounts, listSessions,
  pythonHostArgv, pythonWorkerArgv, readPeerLog, runProcess, shellJoin, startPythonHost, startProcess, startRecord,
  stopProcess, transparencyProblems, workerBehaviour, type HostOptions,
} from './helpers/python.js';

/** One session touching every message kind the peers know, with deterministic outcomes:
 * odd invocations are 5 s sleeps cancelled right after they start. */
const SCRIPT: Omit<HostOptions, 'log'> = {
  invocations: 24,
  concurrency: 6,
  functions: ['echo', 'sleep', 'hello', 'sleep', 'fail', 'sleep', 'log', 'sleep'],
  sleepMs: 5000,
  cancelEvery: 2,
  envReload: true,
  timeoutSec: 60,
};
const METADATA = 'x-functape-test=python-peers,x-trace=abc123';

describe('python grpcio host ↔ python grpcio worker', { timeout: 150_000 }, () => {
  let dir = '';
  let direct: { host: Record<string, any>; worker: Record<string, any> | undefined; hostKinds: object; workerKinds: object } | undefined;

  before(() => {
    assertPythonGrpc();
    dir = mkdtempSync(join(tmpdir(), 'functape-py-'));
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  test('direct: each peer received exactly what the other sent', async () => {
    const hostLog = join(dir, 'direct-host.ndjson');
    const workerLog = join(dir, 'direct-worker.ndjson');
    const worker = shellJoin(pythonWorkerArgv(workerLog, ['--metadata', METADATA]));
    const r = await runProcess(pythonHostArgv({ ...SCRIPT, worker, log: hostLog }), { timeoutMs: 90_000 });
    const summary = hostSummary(r);
    assert.equal(r.code, 0, `host failed: ${r.stderr}`);
    assert.equal(summary.outcome, 'completed');
    assert.equal(summary.invocations, 24);
    assert.equal(summary.succeeded, 9); // echo, hello, log × 3 each
    assert.equal(summary.failed, 3);
    assert.equal(summary.cancelled, 12);
    assert.equal(summary.logs, 3 * 2);
    assert.equal(summary.statusResponses, 1);
    assert.equal(summary.workerExit, 0);
    assert.equal(summary.requestMetadata['x-functape-test'], 'python-peers');
    const host = readPeerLog(hostLog);
    const wlog = readPeerLog(workerLog);
    assert.equal(wlog.summary?.status, 'OK');
    assert.equal(wlog.summary?.form, 'functions');
    assert.ok(host.sent.length > 30 && host.received.length > 30, 'a real session');
    assert.deepEqual(wlog.received, host.sent, 'worker received exactly what the host sent');
    assert.deepEqual(host.received, wlog.sent, 'host received exactly what the worker sent');
    direct = { host: summary, worker: wlog.summary, hostKinds: kindCounts(host.receivedKinds), workerKinds: kindCounts(wlog.receivedKinds) };
  });

  test('the worker reads the short host-argument form alone', async () => {
    const workerLog = join(dir, 'short-worker.ndjson');
    const r = await runProcess(
      pythonHostArgv({ worker: shellJoin(pythonWorkerArgv(workerLog)), log: join(dir, 'short-host.ndjson'), invocations: 3, argForm: 'short' }),
      { timeoutMs: 60_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readPeerLog(workerLog).summary?.form, 'short');
  });

  test('through functape record: every message recorded once, same bytes, same order; same behaviour', async (t) => {
    if (!functapeHas('record')) return t.skip('functape record does not exist in this build yet');
    assert.ok(direct, 'the direct run must pass first');
    const db = join(dir, 'record.db');
    const hostLog = join(dir, 'record-host.ndjson');
    const workerLog = join(dir, 'record-worker.ndjson');
    const workerId = randomUUID();
    const requestId = randomUUID();
    const host = await startPythonHost({ ...SCRIPT, log: hostLog, workerId, requestId });
    let record: Awaited<ReturnType<typeof startRecord>> | undefined;
    try {
      record = await startRecord(db, host.port, ['--label', 'python-peers']);
      const worker = startProcess([...pythonWorkerArgv(workerLog, ['--metadata', METADATA]), ...hostArgs(record.port, workerId, requestId)], {
        timeoutMs: 90_000,
      });
      const [w, h] = await Promise.all([worker.done, host.proc.done]);
      assert.equal(h.code, 0, `host failed: ${h.stderr}`);
      assert.equal(w.code, 0, `worker failed: ${w.stderr}`);
      const stopped = await stopProcess(record.proc);
      assert.ok(!stopped.timedOut && stopped.signal === null, `record did not stop cleanly on SIGTERM: ${stopped.stderr}`);
      const summary = hostSummary(h);
      const hlog = readPeerLog(hostLog);
      const wlog = readPeerLog(workerLog);
      await assertRecording(db, workerId, hlog, wlog);
      assertSameBehaviour(summary, wlog.summary, hlog, wlog);
      assert.equal(summary.requestMetadata['x-functape-test'], 'python-peers', 'request metadata forwarded');
      assert.equal(summary.requestMetadata['x-trace'], 'abc123', 'request metadata forwarded');
    } finally {
      record?.proc.kill();
      host.proc.kill();
      await Promise.all([record?.proc.done, host.proc.done]);
    }
  });

  test('through functape wrap (the launcher shim): same bytes, same behaviour', async (t) => {
    if (!functapeHas('wrap')) return t.skip('functape wrap does not exist in this build yet');
    assert.ok(direct, 'the direct run must pass first');
    const db = join(dir, 'wrap.db');
    const hostLog = join(dir, 'wrap-host.ndjson');
    const workerLog = join(dir, 'wrap-worker.ndjson');
    const workerId = randomUUID();
    const worker = shellJoin([...FUNCTAPE, 'wrap', '--db', db, '--label', 'python-wrap', '--', ...pythonWorkerArgv(workerLog, ['--metadata', METADATA])]);
    const r = await runProcess(pythonHostArgv({ ...SCRIPT, worker, log: hostLog, workerId }), { timeoutMs: 90_000 });
    assert.equal(r.code, 0, `host failed: ${r.stderr}`);
    const summary = hostSummary(r);
    const hlog = readPeerLog(hostLog);
    const wlog = readPeerLog(workerLog);
    await assertRecording(db, workerId, hlog, wlog);
    assertSameBehaviour(summary, wlog.summary, hlog, wlog);
    assert.equal(summary.requestMetadata['x-functape-test'], 'python-peers', 'request metadata forwarded');
  });

  async function assertRecording(db: string, workerId: string, hlog: ReturnType<typeof readPeerLog>, wlog: ReturnType<typeof readPeerLog>) {
    const sessions = await listSessions(db);
    assert.equal(sessions.length, 1, `one session expected, got ${JSON.stringify(sessions)}`);
    const frames = await exportFrames(db);
    assert.deepEqual([...new Set(frames.map((f) => f.session))], [sessions[0]!.id ?? sessions[0]!.session]);
    assert.deepEqual(frames.map((f) => f.seq), frames.map((_, i) => i), 'seq numbers 0..n-1 without gaps');
    assert.deepEqual(transparencyProblems(frames, { host: hlog, worker: wlog }), []);
    assert.equal(frames.length, hlog.sent.length + hlog.received.length);
    assert.equal(JSON.stringify(sessions[0]).includes(workerId), true, `session names worker id ${workerId}`);
  }

  function assertSameBehaviour(host: Record<string, any>, worker: Record<string, any> | undefined, hlog: ReturnType<typeof readPeerLog>, wlog: ReturnType<typeof readPeerLog>) {
    assert.deepEqual(hostBehaviour(host), hostBehaviour(direct!.host), 'host behaviour as when direct');
    assert.deepEqual(workerBehaviour(worker), workerBehaviour(direct!.worker), 'worker behaviour as when direct');
    assert.deepEqual(kindCounts(hlog.receivedKinds), direct!.hostKinds);
    assert.deepEqual(kindCounts(wlog.receivedKinds), direct!.workerKinds);
  }
});
