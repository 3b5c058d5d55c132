import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Direction } from '../model/frame.js';
import { openForWriting } from './open-database.js';
import { openRecording, type FrameFilter } from './open-recording.js';
import { migrate } from './schema.js';

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

/** The frames a filter selects, read with plain SQL and filtered here: what frames() must give. */
function expectedFrames(db: Database.Database, session: number, filter: FrameFilter): unknown[] {
  const rows = db.prepare('SELECT * FROM frames WHERE session_id = ? ORDER BY seq').all(session) as Record<
    string,
    unknown
  >[];
  return rows
    .filter(
      (r) =>
        (filter.kinds === undefined || filter.kinds.includes(r.kind as string)) &&
        (filter.directions === undefined || filter.directions.includes(r.direction as Direction)) &&
        (filter.invocation === undefined ||
          (typeof r.invocation_id === 'string' && r.invocation_id.startsWith(filter.invocation))) &&
        (filter.afterSeq === undefined || (r.seq as number) > filter.afterSeq) &&
        (filter.beforeSeq === undefined || (r.seq as number) < filter.beforeSeq),
    )
    .map((r) => {
      const bytes = r.bytes as Buffer;
      const kept = filter.bytesLimit === undefined ? bytes : bytes.subarray(0, filter.bytesLimit);
      const optional = { requestId: r.request_id, invocationId: r.invocation_id, functionId: r.function_id };
      return {
        sessionId: session,
        seq: r.seq,
        dirSeq: r.dir_seq,
        direction: r.direction,
        tNs: BigInt(r.t_ns as number),
        wallMs: r.wall_ms,
        compressed: r.compressed === 1,
        kind: r.kind,
        size: r.size,
        redacted: r.redacted === 1,
        bytes: kept.toString('hex'),
        ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== null)),
        ...(r.decode_error !== null ? { decodeError: r.decode_error } : {}),
      };
    });
}

test('frames() with each filter, in a UTF-8 and a UTF-16 file, gives what plain SQL reads; sessions and lastSeq', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'functape-read-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const filters: FrameFilter[] = [
    {},
    { bytesLimit: 16 * 1024, afterSeq: 2000 },
    { kinds: ['rpcLog'] },
    { kinds: [] },
    { kinds: ['unknown', 'rpcLog'], bytesLimit: 100, afterSeq: 500, beforeSeq: 2100 },
    { directions: ['toWorker'] },
    { directions: ['sideways' as Direction, 'toHost'], bytesLimit: 20_000 }, // a word another writer stored
    { invocation: 'inv-3' },
    { invocation: 'inv-', beforeSeq: 1200 },
  ];
  for (const encoding of ['UTF-8', 'UTF-16le']) {
    const path = join(dir, `${encoding}.db`);
    const created = new Database(path);
    created.pragma(`encoding = '${encoding}'`);
    migrate(created); // the encoding is fixed when the first table is made
    created.close();
    writeRecording(path);
    const plain = new Database(path);
    t.after(() => plain.close());
    // Some rows of every optional column, and a second kind.
    plain.exec(`UPDATE frames SET kind = 'rpcLog', request_id = 'r-' || seq, function_id = 'f-' || (seq % 4),
      decode_error = CASE WHEN seq % 9 = 0 THEN 'bad varint' END WHERE seq % 3 = 0`);
    assert.equal(plain.pragma('encoding', { simple: true }), encoding);
    const rec = openRecording(path, { cacheKiB: 1024 });
    t.after(() => rec.close());
    for (const filter of filters) {
      const got = [...rec.frames(2, filter)].map((f) => ({
        ...f,
        bytes: Buffer.from(f.bytes).toString('hex'),
      }));
      assert.deepEqual(got, expectedFrames(plain, 2, filter), `${encoding} ${JSON.stringify(filter)}`);
    }
    assert.deepEqual(
      rec.sessions().map((s) => s.id),
      [1, 2],
    );
    assert.equal(rec.session(2)?.startWallMs, 1700000000000);
    assert.equal(rec.session(3), undefined);
    assert.equal(rec.lastSeq(1), ROWS - 1);
    assert.equal(rec.lastSeq(3), undefined);
  }
});
