import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { pageSource } from './push-pages.js';
import { type PushPage, R, rowDirection } from './push-row.js';

/** A frames table like a recording's, with messages of every kind of size and an odd direction. */
function makeDb(path: string, encoding: string): Buffer[] {
  const db = new Database(path);
  db.pragma(`encoding = '${encoding}'`);
  db.exec(`CREATE TABLE frames (session_id INTEGER NOT NULL, seq INTEGER NOT NULL, dir_seq INTEGER NOT NULL,
    direction TEXT NOT NULL, t_ns INTEGER NOT NULL, wall_ms REAL NOT NULL, compressed INTEGER NOT NULL DEFAULT 0,
    kind TEXT NOT NULL, request_id TEXT, invocation_id TEXT, function_id TEXT, size INTEGER NOT NULL,
    redacted INTEGER NOT NULL DEFAULT 0, decode_error TEXT, bytes BLOB NOT NULL);
    CREATE UNIQUE INDEX frames_session_seq ON frames (session_id, seq)`);
  const insert = db.prepare('INSERT INTO frames VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const messages: Buffer[] = [];
  db.transaction(() => {
    for (let seq = 0; seq < 2500; seq++) {
      // 0-byte, small, exactly 16 KiB and bigger messages; bytes that are not valid UTF-8
      const size = seq % 97 === 0 ? 20_000 : seq % 89 === 0 ? 16_384 : seq % 83 === 0 ? 0 : 1 + (seq % 300);
      const bytes = Buffer.alloc(size, (seq * 7) % 256);
      if (size > 0) bytes[0] = 0xff;
      messages.push(bytes);
      const direction = seq === 7 ? 'sideways' : seq % 2 ? 'toWorker' : 'toHost';
      const tNs = seq === 9 ? 2n ** 60n + 1n : BigInt(seq * 1000);
      insert.run(
        1,
        seq,
        seq >> 1,
        direction,
        tNs,
        1.5 + seq,
        seq % 5 === 0 ? 1 : 0,
        'rpcLog',
        null,
        seq % 3 ? `inv-${seq % 40}` : null,
        null,
        size,
        seq % 11 === 0 ? 1 : 0,
        null,
        bytes,
      );
      // another session's frames in between
      insert.run(
        2,
        seq,
        seq,
        'toHost',
        0,
        0,
        0,
        'rpcLog',
        null,
        null,
        null,
        1,
        0,
        null,
        Buffer.from([seq % 256]),
      );
    }
  })();
  db.close();
  return messages;
}

/** Each row's message, taken from its page as copyPages takes it. */
function messagesOf(pages: Iterable<PushPage>): { seq: number; bytes: Buffer; row: unknown[] }[] {
  const out: { seq: number; bytes: Buffer; row: unknown[] }[] = [];
  for (const page of pages) {
    let offset = 0;
    for (const r of page.rows) {
      const b = r[R.bytes];
      const bytes = typeof b === 'number' ? page.bytes!.subarray(offset, (offset += b)) : Buffer.from(b);
      out.push({ seq: r[R.seq], bytes, row: r });
    }
  }
  return out;
}

for (const encoding of ['UTF-8', 'UTF-16le']) {
  test(`pageSource reads every frame once, in order, its bytes exact, from a ${encoding} file`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'push-pages-'));
    try {
      const path = join(dir, 'r.db');
      const messages = makeDb(path, encoding);
      const db = new Database(path, { readonly: true });
      const source = pageSource(db, path);
      // from seq 150, 2100 frames: pages of 1000 and a last page cut by the limit
      const got = messagesOf(source(1, 150, 2100));
      assert.deepEqual(
        got.map((g) => g.seq),
        Array.from({ length: 2100 }, (_, i) => 150 + i),
      );
      for (const g of got) assert.ok(g.bytes.equals(messages[g.seq]!), `seq ${g.seq}'s bytes`);
      const row = (seq: number) => got.find((g) => g.seq === seq)!.row as Parameters<typeof rowDirection>[0];
      assert.equal(rowDirection(row(151)), 'toWorker');
      assert.equal(rowDirection(row(152)), 'toHost');
      assert.deepEqual([row(155)[R.flags], row(156)[R.flags]], [1 | 2, 0]);
      assert.equal(row(165)[R.flags] & 4, 4, 'redacted');
      assert.equal(row(170)[R.invocationId], 'inv-10');
      assert.equal(row(171)[R.invocationId], null);
      // the rest of the session, then nothing past its end
      assert.equal(messagesOf(source(1, 2250, 50_000)).length, 250);
      assert.equal(messagesOf(source(1, 2500, 10)).length, 0);
      // an odd direction and a t_ns beyond 2^53, from the start
      const first = messagesOf(source(1, 0, 10));
      assert.equal(rowDirection(first[7]!.row as Parameters<typeof rowDirection>[0]), 'sideways');
      assert.equal(BigInt(first[9]!.row[R.tNs] as string), 2n ** 60n + 1n);
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
