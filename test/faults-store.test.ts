// Issue 6 fault: the database is full (a size-capped file: `--max-db-bytes`, which makes
// SQLite fail exactly as on a full disk). `--on-store-error forward` keeps forwarding and
// counts what it could not store; `--on-store-error fail` ends the streams.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  readRecording,
  dialTestWorker,
  echoUntilEnd,
  startRecordProcess,
  startTestHost,
  tempDir,
  withTimeout,
  hexList,
} from './helpers/raw-peers.js';

const MESSAGE = 16 * 1024;
const COUNT = 200; // 3.2 MB each way into a 256 KiB database

async function drive(address: string) {
  const worker = dialTestWorker(address);
  for (let i = 0; i < COUNT; i++) {
    const bytes = Buffer.alloc(MESSAGE, i % 251);
    worker.sent.push(bytes);
    if (!worker.duplex.send(bytes)) await worker.duplex.drained();
    if (i % 10 === 9) await new Promise((r) => setTimeout(r, 2)); // spread over several store batches
  }
  worker.duplex.end();
  const end = await withTimeout(worker.duplex.done, 30_000, 'worker call end');
  return { worker, end };
}

test('database full with --on-store-error forward: traffic still flows unchanged; the loss is reported and counted', async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const host = await startTestHost(echoUntilEnd());
  t.after(() => host.close());
  const db = join(tmp.dir, 'full.db');
  const rec = await startRecordProcess([
    '--upstream',
    host.address,
    '--db',
    db,
    '--redact',
    'off',
    '--max-db-bytes',
    '256K',
    '--on-store-error',
    'forward',
  ]);
  t.after(() => rec.kill('SIGKILL'));
  const { worker, end } = await drive(rec.address);
  assert.equal(end.status.code, 0);
  assert.equal(worker.received.length, COUNT);
  assert.deepEqual(hexList(host.streams[0]!.received), hexList(worker.sent));
  rec.kill('SIGTERM');
  assert.deepEqual(await withTimeout(rec.exited, 15_000, 'record exits'), { code: 0, signal: null });
  const stderr = rec.stderr.join('\n');
  assert.match(stderr, /full|SQLITE_FULL/i, 'a clear error names the cause');
  assert.match(stderr, /still forwarding/);
  const m = /(\d+) stored, (\d+) NOT stored/.exec(stderr);
  assert.ok(m, `the summary counts what was not stored: ${stderr}`);
  assert.equal(Number(m[1]) + Number(m[2]), 2 * COUNT);
  assert.ok(Number(m[2]) > 0);
  // What was stored is still a readable, consistent recording, and it says what the summary says.
  assertFileAgrees(db, Number(m[1]), Number(m[2]));
});

/** The recording holds `stored` messages, every session ended, and its unstored counts add up to `unstored`. */
function assertFileAgrees(db: string, stored: number, unstored: number, stderr = ''): void {
  const sessions = readRecording(db);
  assert.equal(
    sessions.reduce((n, s) => n + s.all.length, 0),
    stored,
    'stored: the file and the summary agree',
  );
  for (const s of sessions)
    assert.ok(s.info.end, `session ${s.info.id} ended in the file (record said: ${stderr})`);
  assert.equal(
    sessions.reduce((n, s) => n + (s.info.end?.unstored ?? 0), 0),
    unstored,
    'NOT stored: the file and the summary agree',
  );
}

/** A 1 MiB tmpfs mounted for the test (root only); undefined when that is not possible here. */
function mountSmallDisk(dir: string): (() => void) | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]);
  if (r.status !== 0) return undefined;
  return () => void spawnSync('umount', [dir]);
}

test('a real full disk (1 MiB tmpfs): the summary and the file agree, the session ends, no WAL is left', async (t) => {
  const tmp = tempDir();
  const disk = join(tmp.dir, 'disk');
  mkdirSync(disk);
  const unmount = mountSmallDisk(disk);
  t.after(() => {
    unmount?.();
    tmp.cleanup();
  });
  if (!unmount) return t.skip('needs root and tmpfs to mount a 1 MiB file system');
  const host = await startTestHost(echoUntilEnd());
  t.after(() => host.close());
  const db = join(disk, 'full.db');
  const rec = await startRecordProcess(['--upstream', host.address, '--db', db, '--redact', 'off']);
  t.after(() => rec.kill('SIGKILL'));
  // Small messages in many small batches: each commit appends its pages to the WAL.
  const worker = dialTestWorker(rec.address);
  const SMALL = 4000;
  for (let i = 0; i < SMALL; i++) {
    const bytes = Buffer.alloc(400, i % 251);
    worker.sent.push(bytes);
    if (!worker.duplex.send(bytes)) await worker.duplex.drained();
    if (i % 20 === 19) await new Promise((r) => setTimeout(r, 1));
  }
  worker.duplex.end();
  assert.equal((await withTimeout(worker.duplex.done, 30_000, 'worker call end')).status.code, 0);
  assert.equal(worker.received.length, SMALL, 'forwarding went on');
  rec.kill('SIGTERM');
  assert.deepEqual(await withTimeout(rec.exited, 15_000, 'record exits'), { code: 0, signal: null });
  const stderr = rec.stderr.join('\n');
  const m = /(\d+) stored, (\d+) NOT stored/.exec(stderr);
  assert.ok(m, `the summary counts what was not stored: ${stderr}`);
  assert.equal(Number(m[1]) + Number(m[2]), 2 * SMALL);
  assert.ok(Number(m[2]) > 0, 'the disk did fill up');
  assertFileAgrees(db, Number(m[1]), Number(m[2]), stderr);
  assert.deepEqual(readdirSync(disk), ['full.db'], 'one self-contained file, no -wal or -shm left');
});

test('database full with --on-store-error fail: the streams end with UNAVAILABLE and record exits 1', async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const host = await startTestHost(echoUntilEnd());
  t.after(() => host.close());
  const db = join(tmp.dir, 'full-fail.db');
  const rec = await startRecordProcess([
    '--upstream',
    host.address,
    '--db',
    db,
    '--redact',
    'off',
    '--max-db-bytes',
    '256K',
    '--on-store-error',
    'fail',
  ]);
  t.after(() => rec.kill('SIGKILL'));
  // Keep sending (far more than the file can hold) until record ends the stream: how many
  // messages cross before the first failed batch depends on the machine's load.
  const worker = dialTestWorker(rec.address);
  let ended = false;
  void worker.duplex.done.then(
    () => (ended = true),
    () => (ended = true),
  );
  const LIMIT = 20 * COUNT;
  for (let i = 0; i < LIMIT && !ended; i++) {
    const bytes = Buffer.alloc(MESSAGE, i % 251);
    worker.sent.push(bytes);
    if (!worker.duplex.send(bytes))
      await Promise.race([worker.duplex.drained(), worker.duplex.done.catch(() => undefined)]);
    if (i % 10 === 9) await new Promise((r) => setTimeout(r, 2));
  }
  assert.ok(ended, `record ended the stream before ${LIMIT} messages (64 MB) crossed`);
  const end = await withTimeout(worker.duplex.done, 30_000, 'worker call end');
  assert.equal(end.status.code, 14);
  assert.match(end.status.details, /functape record cannot store the capture/);
  assert.ok(worker.received.length < worker.sent.length, 'the stream ended before all traffic crossed');
  assert.deepEqual(await withTimeout(rec.exited, 15_000, 'record exits by itself'), {
    code: 1,
    signal: null,
  });
  assert.match(rec.stderr.join('\n'), /--on-store-error fail: ending every stream/);
});
