import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openForWriting } from './open-database.js';
import { openRecording, type FrameFilter } from './open-recording.js';

/** A deterministic pseudo-random byte source (xorshift), so failures reproduce. */
function bytesOf(seed: number, length: number): Buffer {
  const b = Buffer.alloc(length);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

/**
 * Sizes around the page and inline limits: empty messages, NUL bytes and invalid UTF-8
 * (random bytes), messages just under, at and over 16 KiB (read one at a time), and
 * enough rows for several 1000-row pages.
 */
function sizeOf(seq: number): number {
  if (seq % 97 === 0) return 0;
  if (seq % 251 === 3) return 16 * 1024 + (seq % 3) - 1; // 16383, 16384, 16385
  if (seq % 509 === 7) return 40_000;
  return (seq * 37) % 700;
}

const ROWS = 2600;

/** Mostly the two directions; a few rows of a file written by something else hold another word. */
const directionOf = (seq: number) => (seq % 401 === 17 ? 'sideways' : seq % 2 ? 'toWorker' : 'toHost');

function writeRecording(path: string): void {
  const db = openForWriting(path);
  db.prepare(
    `INSERT INTO sessions (id, start_wall_ms, upstream, path, metadata, functape_version, schema_version) VALUES (1, 1700000000000, '', '', '{}', '', '')`,
  ).run();
  db.prepare(
    `INSERT INTO sessions (id, start_wall_ms, upstream, path, metadata, functape_version, schema_version) VALUES (2, 1700000000000, '', '', '{}', '', '')`,
  ).run();
  const insert =
    db.prepare(`INSERT INTO frames (session_id, seq, dir_seq, direction, t_ns, wall_ms, compressed, kind, request_id, invocation_id, function_id, size, redacted, decode_error, bytes)
    VALUES (?, ?, ?, ?, ?, ?, ?, 'unknown', NULL, ?, NULL, ?, ?, NULL, ?)`);
  db.transaction(() => {
    // Two sessions interleaved, so rowid order is not seq order within a session.
    for (let seq = 0; seq < ROWS; seq++) {
      for (const session of [1, 2]) {
        const bytes = bytesOf(session * 100_000 + seq, sizeOf(seq));
        insert.run(
          session,
          seq,
          seq >> 1,
          directionOf(seq),
          seq * 1000,
          1700000000000 + seq,
          seq % 11 === 0 ? 1 : 0,
          seq % 5 === 0 ? null : `inv-${seq % 7}`,
          bytes.length,
          seq % 13 === 0 ? 1 : 0,
          bytes,
        );
      }
    }
  })();
  db.close();
}

test('frames() without row filters (bytes read a page at a time) gives the bytes and columns each row holds, in seq order', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'functape-read-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'rec.db');
  writeRecording(path);
  const rec = openRecording(path);
  t.after(() => rec.close());
  const plain = new Database(path, { readonly: true });
  t.after(() => plain.close());
  const one = plain.prepare('SELECT bytes FROM frames WHERE session_id = ? AND seq = ?').pluck(true);
  const cases: { filter: FrameFilter; from: number; to: number; limit?: number }[] = [
    { filter: {}, from: 0, to: ROWS },
    { filter: { afterSeq: 999, beforeSeq: 2048 }, from: 1000, to: 2048 },
    { filter: { afterSeq: 1500 }, from: 1501, to: ROWS },
    { filter: { bytesLimit: 64 * 1024 }, from: 0, to: ROWS, limit: 64 * 1024 },
    { filter: { bytesLimit: 100 }, from: 0, to: ROWS, limit: 100 },
    { filter: { bytesLimit: 0 }, from: 0, to: 10, limit: 0 },
  ];
  for (const session of [1, 2]) {
    for (const c of cases) {
      let seq = c.from;
      for (const f of rec.frames(session, c.filter)) {
        if (seq >= c.to) break;
        assert.equal(f.seq, seq, `session ${session} ${JSON.stringify(c.filter)}: seq order`);
        const whole = one.get(session, seq) as Buffer;
        const want = c.limit === undefined ? whole : whole.subarray(0, c.limit);
        assert.ok(
          Buffer.from(f.bytes).equals(want),
          `session ${session} seq ${seq} ${JSON.stringify(c.filter)}: ${f.bytes.length} bytes, want ${want.length}`,
        );
        assert.equal(f.size, whole.length);
        assert.equal(f.invocationId, seq % 5 === 0 ? undefined : `inv-${seq % 7}`);
        assert.deepEqual(
          [f.direction, f.compressed, f.redacted, f.dirSeq, f.tNs],
          [directionOf(seq), seq % 11 === 0, seq % 13 === 0, seq >> 1, BigInt(seq * 1000)],
          `seq ${seq}`,
        );
        seq++;
      }
      assert.equal(seq, c.to, `session ${session} ${JSON.stringify(c.filter)}: every frame`);
    }
  }
  // A filtered read (row by row) agrees with the paged one.
  const filtered = [...rec.frames(1, { kinds: ['unknown'] })].map((f) => ({
    ...f,
    bytes: Buffer.from(f.bytes).toString('hex'),
  }));
  const paged = [...rec.frames(1)].map((f) => ({ ...f, bytes: Buffer.from(f.bytes).toString('hex') }));
  assert.deepEqual(filtered, paged);
});
