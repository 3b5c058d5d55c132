// functape verify's checks, on a clean recording and with problems planted by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { verifyRecording } from '../src/recording/verify-recording.js';
import { SCHEMA_VERSION } from '../src/recording/schema.js';
import { writeSampleRecording } from './recording-sample.js';

function sample(t: { after: (fn: () => void) => void }, plant?: (db: Database.Database) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'functape-verify-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'rec.db');
  writeSampleRecording(path);
  const db = new Database(path);
  db.prepare(
    `UPDATE sessions SET end_reason = 'completed', end_ns = 1, end_wall_ms = 1, status_code = 0 WHERE id = 2`,
  ).run();
  plant?.(db);
  db.close();
  return path;
}

test('a clean recording has no problems', (t) => {
  const report = verifyRecording(sample(t));
  assert.deepEqual(report.problems, []);
  assert.equal(report.sessions, 2);
  assert.equal(report.frames, 15);
  assert.equal(report.schemaVersion, SCHEMA_VERSION);
});

test('planted problems: a missing frame, a wrong size, a session that never ended, unstored frames, an orphan', (t) => {
  const path = sample(t, (db) => {
    db.prepare('DELETE FROM frames WHERE session_id = 1 AND seq = 3').run();
    db.prepare('UPDATE frames SET size = size + 1 WHERE session_id = 1 AND seq = 5').run();
    db.prepare('UPDATE sessions SET end_reason = NULL, unstored = 4 WHERE id = 2').run();
    db.prepare('UPDATE frames SET session_id = 9 WHERE session_id = 2 AND seq = 2').run();
    db.prepare('UPDATE frames SET t_ns = 1 WHERE session_id = 1 AND seq = 8').run();
  });
  const report = verifyRecording(path);
  const kinds = report.problems.map((p) => `${p.kind}:${p.sessionId}`).sort();
  assert.deepEqual(kinds, [
    'count-mismatch:1', // the row still counts the deleted frame
    'count-mismatch:2',
    'dir-seq-gap:1',
    'dir-seq-gap:9',
    'not-ended:2',
    'orphan-frames:9',
    'seq-gap:1',
    'seq-gap:9',
    'size-mismatch:1',
    'time-order:1',
    'unstored:2',
  ]);
  const messages = report.problems.map((p) => p.message).join('\n');
  assert.match(messages, /session 1: seq jumps from 2 to 4 \(1 missing\)/);
  assert.match(messages, /session 1: toWorker dirSeq jumps from 0 to 2/);
  const [, size, stored] = /session 1: seq 5 has size (\d+) but (\d+) stored bytes/.exec(messages) ?? [];
  assert.equal(Number(size), Number(stored) + 1);
  assert.match(messages, /session 2 never ended \(last message at 0\.001s;/);
  assert.match(messages, /session 1: 1 message\(s\) stamped earlier than the one before \(first at seq 8\)/);
  assert.match(messages, /session 2: 4 message\(s\) were forwarded but not stored/);
});

test('a redacted frame may differ in size from its stored bytes', (t) => {
  const path = sample(t, (db) =>
    db.prepare('UPDATE frames SET size = 999, redacted = 1 WHERE session_id = 1 AND seq = 5').run(),
  );
  assert.deepEqual(verifyRecording(path).problems, []);
});

test('damaged pages are reported as integrity problems (not a crash)', (t) => {
  const path = sample(t);
  const bytes = readFileSync(path);
  const pageSize = bytes.readUInt16BE(16) === 1 ? 65536 : bytes.readUInt16BE(16); // 1 stands for 64 KiB
  for (let i = 2 * pageSize + 8; i < bytes.length; i++) bytes[i] = (i * 31) & 0xff; // pages 3..: frames and indexes
  writeFileSync(path, bytes);
  const report = verifyRecording(path);
  assert.ok(
    report.problems.some((p) => p.kind === 'integrity'),
    JSON.stringify(report.problems),
  );
});
