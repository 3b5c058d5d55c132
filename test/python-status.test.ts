// Status transparency seen by an independent gRPC client (the Python grpcio worker): the
// status code, details and trailers a host ends the stream with, and the status a worker
// gets when the host is down, are the same through functape record as when direct.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  assertPythonGrpc,
  hostArgs,
  hostSummary,
  pythonHostArgv,
  pythonWorkerArgv,
  readPeerLog,
  readRecording,
  runProcess,
  showJson,
  shellJoin,
  startPythonHost,
  startProcess,
  startRecord,
  stopProcess,
  transparencyProblems,
} from './helpers/python.js';

const FAIL = {
  invocations: 6,
  concurrency: 3,
  functions: ['echo', 'log'],
  failWith: 'INTERNAL:host gave up: boom',
} as const;

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((res) => server.close(() => res()));
  return port;
}

describe('status transparency toward a python grpcio worker', { timeout: 120_000 }, () => {
  let dir = '';
  before(() => {
    assertPythonGrpc();
    dir = mkdtempSync(join(tmpdir(), 'functape-pystatus-'));
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  test('a host that ends the stream with INTERNAL + trailers: same status, details, trailers through record', async (t) => {
    const directLog = join(dir, 'fail-direct-worker.ndjson');
    const r = await runProcess(
      pythonHostArgv({
        ...FAIL,
        worker: shellJoin(pythonWorkerArgv(directLog)),
        log: join(dir, 'fail-direct-host.ndjson'),
      }),
      { timeoutMs: 60_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    const direct = readPeerLog(directLog).summary!;
    assert.equal(direct.status, 'INTERNAL');
    assert.equal(direct.details, 'host gave up: boom');
    assert.deepEqual(direct.trailers, { 'x-host-abort': 'internal' });

    const db = join(dir, 'fail.db');
    const workerId = randomUUID();
    const requestId = randomUUID();
    const hostLog = join(dir, 'fail-host.ndjson');
    const workerLog = join(dir, 'fail-worker.ndjson');
    const host = await startPythonHost({ ...FAIL, log: hostLog, workerId, requestId });
    let record: Awaited<ReturnType<typeof startRecord>> | undefined;
    try {
      record = await startRecord(db, host.port);
      const worker = startProcess(
        [...pythonWorkerArgv(workerLog), ...hostArgs(record.port, workerId, requestId)],
        { timeoutMs: 60_000 },
      );
      const [w, h] = await Promise.all([worker.done, host.proc.done]);
      assert.equal(w.code, 1, 'the worker exits 1 on a non-OK status');
      assert.equal(h.code, 0, h.stderr);
      await stopProcess(record.proc);
      const proxied = readPeerLog(workerLog).summary!;
      assert.equal(proxied.status, direct.status);
      assert.equal(proxied.details, direct.details);
      assert.deepEqual(proxied.trailers, direct.trailers);
      assert.equal(hostSummary(h).outcome, 'completed');
      const { frames, sessions } = readRecording(db);
      assert.equal(
        sessions[0]?.end?.status?.code,
        13,
        `recorded status INTERNAL: ${showJson(sessions[0]?.end)}`,
      );
      assert.equal(sessions[0]?.end?.status?.details, 'host gave up: boom');
      assert.deepEqual(
        sessions[0]?.end?.status?.metadata?.['x-host-abort'],
        ['internal'],
        'trailers recorded',
      );
      assert.deepEqual(
        transparencyProblems(frames, { host: readPeerLog(hostLog), worker: readPeerLog(workerLog) }),
        [],
      );
    } finally {
      record?.proc.kill();
      host.proc.kill();
      await Promise.all([record?.proc.done, host.proc.done]);
    }
  });

  test('host down: the worker gets UNAVAILABLE through record as it does direct', async (t) => {
    const port = await closedPort();
    const directLog = join(dir, 'down-direct.ndjson');
    const d = await runProcess(
      [...pythonWorkerArgv(directLog, ['--timeout', '20']), ...hostArgs(port, randomUUID(), randomUUID())],
      { timeoutMs: 40_000 },
    );
    assert.equal(d.code, 1);
    assert.equal(readPeerLog(directLog).summary?.status, 'UNAVAILABLE');

    const record = await startRecord(join(dir, 'down.db'), port);
    try {
      const log = join(dir, 'down-proxied.ndjson');
      const p = await runProcess(
        [...pythonWorkerArgv(log, ['--timeout', '20']), ...hostArgs(record.port, randomUUID(), randomUUID())],
        { timeoutMs: 40_000 },
      );
      assert.equal(p.code, 1, p.stderr);
      assert.equal(readPeerLog(log).summary?.status, 'UNAVAILABLE', JSON.stringify(readPeerLog(log).summary));
    } finally {
      await stopProcess(record.proc);
    }
  });
});
