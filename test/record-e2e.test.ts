// End to end with the reference peers as real processes: `functape host` → `functape wrap`
// (the recording proxy) → `functape worker`, compared with the same host and worker
// connected directly. The peers must behave the same; the recording must hold the whole
// conversation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { FUNCTAPE, readRecording, tempDir } from './helpers/raw-peers.js';

const F = FUNCTAPE.map((p) => (p.includes(' ') ? JSON.stringify(p) : p)).join(' ');

function runHost(worker: string, cwd: string) {
  const r = spawnSync(
    FUNCTAPE[0]!,
    [FUNCTAPE[1]!, 'host', '--worker', worker, '-n', '60', '-c', '8', '--json'],
    { cwd, encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(r.status, 0, `functape host --worker "${worker}": ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown> & {
    workerId: string;
    messages: { toHost: number; toWorker: number };
  };
}

/** The report without what differs from run to run (ids, pids, timings). */
function comparable(report: Record<string, unknown>) {
  const { workerId: _id, invokeMs: _ms, perSecond: _ps, latencyMs: _lat, workerMetadata, ...rest } = report;
  const { pid: _pid, ...meta } = workerMetadata as Record<string, unknown>;
  return { ...rest, workerMetadata: meta };
}

test('host → wrap (record) → worker behaves exactly like host → worker, and the recording holds the whole conversation', async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const db = join(tmp.dir, 'e2e.db');
  const direct = runHost(`${F} worker`, tmp.dir);
  const wrapped = runHost(`${F} wrap --db ${db} --quiet -- ${F} worker`, tmp.dir);
  assert.deepEqual(comparable(wrapped), comparable(direct));
  assert.equal(wrapped.outcome, 'ok');

  const sessions = readRecording(db);
  assert.equal(sessions.length, 1);
  const s = sessions[0]!;
  assert.equal(s.info.workerId, wrapped.workerId);
  assert.deepEqual(s.info.counts, wrapped.messages, 'as many messages each way as the host counted');
  assert.equal(s.toHost[0]!.kind, 'startStream');
  assert.equal(s.toWorker[0]!.kind, 'workerInitRequest');
  const kinds = (dir: 'toHost' | 'toWorker', kind: string) => s[dir].filter((f) => f.kind === kind).length;
  assert.equal(kinds('toWorker', 'invocationRequest'), 60);
  assert.equal(kinds('toHost', 'invocationResponse'), 60);
  assert.equal(kinds('toWorker', 'workerTerminate'), 1);
  assert.ok(
    s.all.every((f) => f.kind !== 'unknown'),
    'every message decodes',
  );
  assert.deepEqual(
    s.all.map((f) => f.seq),
    s.all.map((_, i) => i),
  );
  const invocationIds = new Set(
    s.toWorker.filter((f) => f.kind === 'invocationRequest').map((f) => f.invocationId),
  );
  assert.deepEqual(
    new Set(s.toHost.filter((f) => f.kind === 'invocationResponse').map((f) => f.invocationId)),
    invocationIds,
  );
  assert.equal(s.info.end?.reason, 'completed');
});
