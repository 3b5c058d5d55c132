// Issue 6 faults: `functape record` (a real process) stopped by SIGTERM/SIGINT or killed
// by SIGKILL while traffic flows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openRecording } from '../src/recording/open-recording.js';
import {
  dialTestWorker,
  echo,
  hexList,
  readRecording,
  startRecordProcess,
  startTestHost,
  tempDir,
  withTimeout,
  type LoggedDuplex,
} from './helpers/raw-peers.js';

/** Keep sending numbered messages until the call ends. */
function pump(worker: LoggedDuplex, tag: string): Promise<void> {
  return (async () => {
    let settled = false;
    void worker.duplex.done.then(() => (settled = true));
    for (let i = 0; !settled; i++) {
      const bytes = Buffer.from(`${tag}-${i}`);
      worker.sent.push(bytes);
      // false = queued but the buffer is full (wait); after the end nothing is queued.
      if (!worker.duplex.send(bytes)) await worker.duplex.drained();
      if (i % 20 === 19) await new Promise((r) => setImmediate(r));
    }
  })();
}

function isPrefix(prefix: string[], of: string[]): boolean {
  return prefix.length <= of.length && prefix.every((x, i) => x === of[i]);
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`record gets ${signal} with traffic in flight: everything forwarded is stored, streams end UNAVAILABLE, exit 0`, async (t) => {
    const { db, host, rec, workers, pumps } = await busyRecorder(t, 'sig.db');
    rec.kill(signal);
    const ends = await withTimeout(
      Promise.all(workers.map((w) => w.duplex.done)),
      10_000,
      'workers see the end',
    );
    await Promise.all(pumps);
    const exit = await withTimeout(rec.exited, 10_000, 'record exits');
    assert.deepEqual(exit, { code: 0, signal: null }, rec.stderr.join('\n'));
    for (const end of ends)
      assert.deepEqual(end.status, {
        code: 14,
        details: 'functape record shutting down',
        metadata: end.status.metadata,
      });
    assert.match(rec.stderr.join('\n'), /3 sessions, \d+ messages .*\d+ stored/);
    assert.doesNotMatch(rec.stderr.join('\n'), /NOT stored/);

    const sessions = readRecording(db);
    assert.equal(sessions.length, 3);
    for (const s of sessions) {
      assert.equal(s.info.end?.reason, 'shutdown');
      assert.equal(s.info.end?.status?.code, 14);
      const tag = Buffer.from(s.toHost[0]!.bytes).toString().split('-')[0]!;
      const w = workers[Number(tag.slice(1))]!;
      const hostSide = host.streams.find((h) =>
        Buffer.from(h.received[0]!).toString().startsWith(`${tag}-`),
      )!;
      // Forwarded ⊆ recorded ⊆ sent, as prefixes, per direction.
      assert.ok(
        isPrefix(hexList(hostSide.received), hexList(s.toHost)),
        'every message the host got is recorded',
      );
      assert.ok(
        isPrefix(hexList(s.toHost), hexList(w.sent)),
        'recorded worker messages are what the worker sent, in order',
      );
      assert.ok(
        isPrefix(hexList(w.received), hexList(s.toWorker)),
        'every message the worker got is recorded',
      );
      assert.ok(
        isPrefix(hexList(s.toWorker), hexList(hostSide.sent)),
        'recorded host messages are what the host sent, in order',
      );
      assert.ok(w.received.length >= 200);
    }
  });
}

test('record killed with SIGKILL: the database opens cleanly and holds a consistent prefix of the traffic', async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const host = await startTestHost(echo);
  t.after(() => host.close());
  const db = join(tmp.dir, 'kill9.db');
  const rec = await startRecordProcess(['--upstream', host.address, '--db', db]);
  t.after(() => rec.kill('SIGKILL'));
  const worker = dialTestWorker(rec.address);
  const pumping = pump(worker, 'k');
  // Read the recording while it is being written, until some frames are committed.
  let seen = 0;
  await withTimeout(
    (async () => {
      while (seen < 100) {
        await new Promise((r) => setTimeout(r, 20));
        const r = openRecording(db);
        try {
          const s = r.sessions()[0];
          seen = s ? s.counts.toHost : 0;
        } finally {
          r.close();
        }
      }
    })(),
    20_000,
    'frames committed while recording',
  );
  rec.kill('SIGKILL');
  await rec.exited;
  const end = await withTimeout(worker.duplex.done, 10_000, 'worker sees the end');
  await pumping;
  assert.equal(end.status.code, 14, 'the worker sees the connection drop');

  const [s] = readRecording(db);
  assert.ok(s, 'the session is there');
  assert.ok(
    s.toHost.length >= seen,
    `${s.toHost.length} frames after the kill, ${seen} seen committed before`,
  );
  assert.ok(isPrefix(hexList(s.toHost), hexList(worker.sent)));
  assert.ok(isPrefix(hexList(s.toWorker), hexList(host.streams[0]!.sent)));
  assert.equal(s.info.end, undefined, 'a session cut by SIGKILL has no end row');
});

/** A record process with three echoing streams in flight (200 messages each way seen). */
async function busyRecorder(t: { after(fn: () => unknown): void }, name: string) {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const host = await startTestHost(echo);
  t.after(() => host.close());
  const db = join(tmp.dir, name);
  const rec = await startRecordProcess(['--upstream', host.address, '--db', db, '--redact', 'off']);
  t.after(() => rec.kill('SIGKILL'));
  const workers = [0, 1, 2].map(() => dialTestWorker(rec.address));
  const pumps = workers.map((w, i) => pump(w, `w${i}`));
  await withTimeout(
    (async () => {
      while (workers.some((w) => w.received.length < 200)) await new Promise((r) => setTimeout(r, 5));
    })(),
    20_000,
    'traffic flows',
  );
  return { db, host, rec, workers, pumps };
}

test('two signals at once (timeout signals the process and its group): the stop still finishes, summary, sessions ended, exit 0', async (t) => {
  const { db, rec, workers, pumps } = await busyRecorder(t, 'twice.db');
  rec.kill('SIGTERM');
  // Two signals sent at once are merged by the kernel; the second must come while the stop runs.
  await new Promise((r) => setTimeout(r, 10));
  rec.kill('SIGTERM');
  await withTimeout(Promise.all(workers.map((w) => w.duplex.done)), 10_000, 'workers see the end');
  await Promise.all(pumps);
  assert.deepEqual(
    await withTimeout(rec.exited, 20_000, 'record exits'),
    { code: 0, signal: null },
    rec.stderr.join('\n'),
  );
  const stderr = rec.stderr.join('\n');
  assert.match(stderr, /3 sessions, \d+ messages .*\d+ stored/, 'the summary is printed');
  const sessions = readRecording(db);
  assert.equal(sessions.length, 3);
  for (const s of sessions) assert.equal(s.info.end?.reason, 'shutdown', `session ${s.info.id} ended`);
});

test('a third signal quits at once (130); the file still opens and holds a consistent prefix', async (t) => {
  const { db, rec, workers, pumps } = await busyRecorder(t, 'thrice.db');
  for (let i = 0; i < 3; i++) {
    rec.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 10));
  }
  const exit = await withTimeout(rec.exited, 20_000, 'record exits');
  await withTimeout(
    Promise.all(workers.map((w) => w.duplex.done.catch(() => undefined))),
    10_000,
    'workers see the end',
  );
  await Promise.all(pumps);
  // Usually 130; if the stop finished between two signals, a clean 0.
  assert.ok(exit.code === 130 || exit.code === 0, JSON.stringify(exit));
  const sessions = readRecording(db);
  for (const s of sessions) {
    const tag = Buffer.from(s.toHost[0]?.bytes ?? Buffer.from('w0-'))
      .toString()
      .split('-')[0]!;
    assert.ok(
      isPrefix(hexList(s.toHost), hexList(workers[Number(tag.slice(1))]!.sent)),
      'recorded = a prefix of what was sent',
    );
  }
});
