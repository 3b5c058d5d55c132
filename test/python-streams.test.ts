// Several workers at once, as a Functions host runs them (one stream per worker process),
// with the independent Python grpcio peers: through one `functape record`, and with every
// worker process wrapped by its own `functape wrap` writing to the same database (what a
// worker.config.json recipe does when the host starts several workers). Each stream must
// become its own session holding exactly what that host stream and that worker exchanged.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  assertPythonGrpc,
  FUNCTAPE,
  hostArgs,
  hostSummary,
  pythonHostArgv,
  pythonWorkerArgv,
  readPeerLog,
  readRecording,
  runProcess,
  shellJoin,
  showJson,
  startProcess,
  startRecord,
  stopProcess,
  transparencyProblems,
  type ProcessResult,
  type RunningProcess,
} from './helpers/python.js';

const WORKERS = 3;
const SCRIPT = {
  invocations: 8,
  concurrency: 4,
  functions: ['echo', 'log', 'hello', 'fail'],
  envReload: true,
  timeoutSec: 30,
};

/** Every session matches its host stream's log and its worker's log; nothing crossed over. */
function assertSessions(
  db: string,
  hostLogBase: string,
  summary: Record<string, any>,
  workerLogs: Map<string, string>,
): void {
  const { sessions, frames } = readRecording(db);
  assert.equal(sessions.length, WORKERS, `one session per worker, got ${sessions.length}`);
  assert.deepEqual(
    sessions.map((s) => s.workerId).sort(),
    summary.sessions.map((s: any) => s.workerId).sort(),
    'each worker id once',
  );
  for (const session of sessions) {
    const hostSide = summary.sessions.find((s: any) => s.workerId === session.workerId);
    assert.ok(hostSide?.log?.startsWith(hostLogBase), `host session for ${session.workerId}`);
    const mine = frames.filter((f) => f.session === session.id);
    const logs = { host: readPeerLog(hostSide.log), worker: readPeerLog(workerLogs.get(session.workerId!)!) };
    assert.deepEqual(transparencyProblems(mine, logs), [], `session ${session.id} (${session.workerId})`);
    assert.equal(mine.length, logs.host.sent.length + logs.host.received.length);
    assert.equal(session.end?.status?.code, 0, showJson(session.end));
  }
}

describe(`${WORKERS} python grpcio workers at once`, { timeout: 150_000 }, () => {
  let dir = '';
  before(() => {
    assertPythonGrpc();
    dir = mkdtempSync(join(tmpdir(), 'functape-pystreams-'));
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  test('direct: every session completes on its own stream', async () => {
    const log = join(dir, 'direct-host.ndjson');
    const r = await runProcess(
      pythonHostArgv({
        ...SCRIPT,
        worker: shellJoin(pythonWorkerArgv(join(dir, 'direct-worker.ndjson'))),
        log,
        workers: WORKERS,
      }),
      { timeoutMs: 60_000 },
    );
    const s = hostSummary(r);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(s.workerExit, [0, 0, 0]);
    assert.equal(s.sessions.length, WORKERS);
    assert.equal(new Set(s.sessions.map((x: any) => x.workerId)).size, WORKERS);
    for (const x of s.sessions)
      assert.deepEqual([x.outcome, x.invocations, x.succeeded, x.failed], ['completed', 8, 6, 2]);
  });

  test('through one functape record: one session per stream, each exactly its stream', async (t) => {
    const db = join(dir, 'record.db');
    const hostLog = join(dir, 'record-host.ndjson');
    const host = startProcess(pythonHostArgv({ ...SCRIPT, log: hostLog, workers: WORKERS }), {
      timeoutMs: 90_000,
    });
    let record: { proc: RunningProcess; port: number } | undefined;
    const workers: RunningProcess[] = [];
    try {
      await host.line(new RegExp(`^worker ${WORKERS - 1}: `));
      const port = Number(host.stdout().match(/^listening on 127\.0\.0\.1:(\d+)$/m)![1]);
      const ids = [...host.stdout().matchAll(/^worker \d+: (\S+) (\S+)$/gm)].map(
        (m) => [m[1]!, m[2]!] as const,
      );
      record = await startRecord(db, port);
      const workerLogs = new Map<string, string>();
      for (const [w, rid] of ids) {
        workerLogs.set(w, join(dir, `record-worker-${w}.ndjson`));
        workers.push(
          startProcess([...pythonWorkerArgv(workerLogs.get(w)!), ...hostArgs(record.port, w, rid)], {
            timeoutMs: 90_000,
          }),
        );
      }
      const ends: ProcessResult[] = await Promise.all(workers.map((w) => w.done));
      const h = await host.done;
      assert.deepEqual(
        ends.map((e) => e.code),
        [0, 0, 0],
        ends.map((e) => e.stderr).join('\n'),
      );
      assert.equal(h.code, 0, h.stderr);
      const stopped = await stopProcess(record.proc);
      assert.equal(stopped.signal, null, stopped.stderr);
      assertSessions(db, hostLog, hostSummary(h), workerLogs);
    } finally {
      for (const p of [...workers, record?.proc, host]) p?.kill();
      await Promise.all([...workers, record?.proc, host].map((p) => p?.done));
    }
  });

  test('each worker process wrapped by its own functape wrap, all writing one database', async (t) => {
    const db = join(dir, 'wrap.db');
    const hostLog = join(dir, 'wrap-host.ndjson');
    // The worker command is the same for every process (as from worker.config.json), so each
    // worker names its log by the worker id it was given.
    const worker = shellJoin([
      ...FUNCTAPE,
      'wrap',
      '--db',
      db,
      '--redact',
      'off',
      '--',
      ...pythonWorkerArgv(join(dir, 'wrap-worker.ndjson'), ['--log-per-worker']),
    ]);
    const r = await runProcess(pythonHostArgv({ ...SCRIPT, worker, log: hostLog, workers: WORKERS }), {
      timeoutMs: 90_000,
    });
    const s = hostSummary(r);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(s.workerExit, [0, 0, 0], "wrap passed each worker's exit code through");
    const workerLogs = new Map<string, string>(
      s.sessions.map((x: any) => [x.workerId, join(dir, `wrap-worker.ndjson.${x.workerId}`)]),
    );
    assertSessions(db, hostLog, s, workerLogs);
  });
});
