// The writer thread driven directly through its port: batches that queue up while it is
// busy are written as one group (one transaction), and a group that fails is retried batch
// by batch, so each batch ends stored or failed as it would have alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { createBatchBuilder, type FrameBatch } from './frame-batch.js';
import { openForWriting } from './open-database.js';
import { createRecordSql } from './record-sql.js';
import type { FromWriter, ToWriter, WriterConfig } from './writer-protocol.js';

type Ack = Extract<FromWriter, { type: 'ack' }>;

interface Writer {
  /** Every message from the writer so far, in arrival order. */
  got: FromWriter[];
  post(m: ToWriter): void;
  /** Resolves once `n` acks (or a 'closed') have arrived. */
  acks(n: number): Promise<Ack[]>;
  close(): Promise<void>;
}

async function startWriter(
  path: string,
  config: Partial<WriterConfig>,
): Promise<{ writer: Writer; ids: number[] }> {
  const setup = openForWriting(path, config.maxBytes !== undefined ? { maxBytes: config.maxBytes } : {});
  const ids = createRecordSql(setup).reserveIds(2);
  setup.close();
  const worker = new Worker(new URL('./writer-thread.js', import.meta.url), {
    workerData: { path, redact: false, onStoreError: 'forward', ...config } satisfies WriterConfig,
  });
  const got: FromWriter[] = [];
  let wake = (): void => {};
  worker.on('message', (m: FromWriter) => {
    got.push(m);
    wake();
  });
  const until = (done: () => boolean) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('writer test: timed out')), 8_000);
      wake = () => {
        if (done()) {
          clearTimeout(timer);
          resolve();
        }
      };
      wake();
    });
  await until(() => got.length > 0);
  assert.equal(got.shift()!.type, 'ready');
  const ackList = () => got.filter((m): m is Ack => m.type === 'ack');
  const writer: Writer = {
    got,
    post: (m) => worker.postMessage(m),
    acks: async (n) => {
      await until(() => ackList().length >= n);
      return ackList();
    },
    close: async () => {
      worker.postMessage({ type: 'close', release: [] } satisfies ToWriter);
      await until(() => got.some((m) => m.type === 'closed'));
      await worker.terminate();
    },
  };
  return { writer, ids };
}

/** Batch `id` of `frames` frames of `size` bytes for session `sid`, seq numbers from `seq0`. */
function batch(
  id: number,
  sid: number,
  seq0: number,
  frames: number,
  size: number,
  controls: ('start' | 'end')[] = [],
): FrameBatch {
  const b = createBatchBuilder();
  if (controls.includes('start')) {
    b.addControl({
      type: 'session-start',
      session: {
        id: sid,
        startWallMs: 1,
        upstream: '',
        path: '/p',
        metadata: {},
        functapeVersion: 't',
        schemaVersion: 't',
      },
    });
  }
  for (let i = 0; i < frames; i++)
    b.addFrameFields(sid, seq0 + i, seq0 + i, 'toHost', i, 1, false, Buffer.alloc(size, (seq0 + i) % 251));
  if (controls.includes('end'))
    b.addControl({
      type: 'session-end',
      end: { id: sid, endNs: 5n, endWallMs: 2, status: null, reason: 'completed' },
    });
  return b.take(id);
}

/**
 * A writer with `config` given, as one queued group, five batches of ten frames for one
 * session whose third repeats seq 15..19 of the second (UNIQUE fails); returns their acks
 * once the writer has closed.
 */
async function writeGroupWithOneBad(path: string, config: Partial<WriterConfig>) {
  const { writer, ids } = await startWriter(path, config);
  const sid = ids[0]!;
  await postWhileLocked(path, writer, [
    { type: 'batch', batch: batch(0, sid, 0, 10, 100, ['start']) },
    { type: 'batch', batch: batch(1, sid, 10, 10, 100) },
    { type: 'batch', batch: batch(2, sid, 15, 10, 100) },
    { type: 'batch', batch: batch(3, sid, 20, 10, 100) },
    { type: 'batch', batch: batch(4, sid, 30, 10, 100, ['end']) },
  ]);
  const acks = await writer.acks(5);
  await writer.close();
  return { sid, acks };
}

/**
 * Post `batches` while another connection holds the write lock, so that the writer blocks
 * on the first and the others queue up behind it (they are then written as a group).
 */
async function postWhileLocked(path: string, writer: Writer, messages: ToWriter[]): Promise<void> {
  const blocker = new Database(path);
  blocker.exec('BEGIN IMMEDIATE');
  for (const m of messages) writer.post(m);
  await new Promise((r) => setTimeout(r, 150));
  blocker.exec('COMMIT');
  blocker.close();
}

function readBack(path: string) {
  const db = new Database(path, { readonly: true });
  try {
    const frames = db.prepare('SELECT session_id AS sid, seq FROM frames ORDER BY rowid').all() as {
      sid: number;
      seq: number;
    }[];
    const sessions = db
      .prepare('SELECT id, to_host, unstored, end_reason FROM sessions WHERE start_wall_ms IS NOT NULL')
      .all() as {
      id: number;
      to_host: number;
      unstored: number;
      end_reason: string | null;
    }[];
    return { frames, sessions };
  } finally {
    db.close();
  }
}

function tempFile(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'functape-writer-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'rec.db');
}

test('queued batches are committed as one group; acks, reserve replies and frames stay in order', {
  timeout: 20_000,
}, async (t) => {
  const path = tempFile(t);
  const { writer, ids } = await startWriter(path, {});
  const sid = ids[0]!;
  const messages: ToWriter[] = [];
  for (let i = 0; i < 8; i++) {
    messages.push({
      type: 'batch',
      batch: batch(i, sid, i * 10, 10, 100, i === 0 ? ['start'] : i === 7 ? ['end'] : []),
    });
    if (i === 4) messages.push({ type: 'reserve', n: 1 });
  }
  await postWhileLocked(path, writer, messages);
  const acks = await writer.acks(8);
  await writer.close();
  assert.deepEqual(
    acks.map((a) => a.id),
    [0, 1, 2, 3, 4, 5, 6, 7],
  );
  assert.ok(acks.every((a) => a.stored === 10 && a.failed === 0 && a.buffers !== undefined));
  assert.ok(
    acks.some((a) => (a.group ?? 1) > 1),
    `some batches shared a transaction: ${acks.map((a) => a.group ?? 1)}`,
  );
  // The 'reserve' queued after batch 4 is answered after its ack and before batch 5's.
  const order = writer.got.map((m) => (m.type === 'ack' ? m.id : m.type));
  assert.equal(order.indexOf('reserved'), order.indexOf(4) + 1, `order: ${order}`);
  const { frames, sessions } = readBack(path);
  assert.deepEqual(
    frames.map((f) => f.seq),
    Array.from({ length: 80 }, (_, i) => i),
  );
  assert.deepEqual(sessions, [{ id: sid, to_host: 80, unstored: 0, end_reason: 'completed' }]);
});

test('a group whose transaction fails is retried batch by batch: only the bad batch fails', {
  timeout: 20_000,
}, async (t) => {
  const path = tempFile(t);
  const { sid, acks } = await writeGroupWithOneBad(path, {});
  assert.deepEqual(
    acks.map((a) => [a.id, a.stored, a.failed]),
    [
      [0, 10, 0],
      [1, 10, 0],
      [2, 0, 10],
      [3, 10, 0],
      [4, 10, 0],
    ],
  );
  assert.match(acks[2]!.error?.code ?? '', /SQLITE_CONSTRAINT/);
  const { frames, sessions } = readBack(path);
  assert.deepEqual(
    frames.map((f) => f.seq),
    [...Array.from({ length: 20 }, (_, i) => i), ...Array.from({ length: 20 }, (_, i) => 20 + i)],
  );
  assert.deepEqual(sessions, [{ id: sid, to_host: 40, unstored: 10, end_reason: 'completed' }]);
});

test('with onStoreError fail, everything after the first failed batch of a group fails', {
  timeout: 20_000,
}, async (t) => {
  const path = tempFile(t);
  const { sid, acks } = await writeGroupWithOneBad(path, { onStoreError: 'fail' });
  assert.deepEqual(
    acks.map((a) => [a.id, a.stored, a.failed]),
    [
      [0, 10, 0],
      [1, 10, 0],
      [2, 0, 10],
      [3, 0, 10],
      [4, 0, 10],
    ],
  );
  assert.match(acks[3]!.error?.message ?? '', /stopped at an earlier store error/);
  const { frames, sessions } = readBack(path);
  assert.equal(frames.length, 20);
  // The session's end is still recorded (session events are retried on their own).
  assert.deepEqual(sessions, [{ id: sid, to_host: 20, unstored: 30, end_reason: 'completed' }]);
});

test('a size-capped file: a group that does not fit is retried batch by batch and stores what fits', {
  timeout: 20_000,
}, async (t) => {
  const path = tempFile(t);
  const { writer, ids } = await startWriter(path, { maxBytes: 512 * 1024 });
  const sid = ids[0]!;
  const messages: ToWriter[] = [];
  for (let i = 0; i < 16; i++)
    messages.push({
      type: 'batch',
      batch: batch(i, sid, i * 2, 2, 16 * 1024, i === 0 ? ['start'] : i === 15 ? ['end'] : []),
    });
  await postWhileLocked(path, writer, messages);
  const acks = await writer.acks(16);
  await writer.close();
  assert.deepEqual(
    acks.map((a) => a.id),
    Array.from({ length: 16 }, (_, i) => i),
  );
  const stored = acks.filter((a) => a.stored > 0);
  const failed = acks.filter((a) => a.failed > 0);
  assert.ok(stored.length >= 2 && failed.length >= 1, `some fit, some did not: ${acks.map((a) => a.stored)}`);
  assert.ok(acks.every((a) => a.stored + a.failed === 2));
  assert.ok(failed.every((a) => /full|SQLITE_FULL/i.test(`${a.error?.code} ${a.error?.message}`)));
  // Whatever fitted after the first batch was stored by the one-by-one retry of the group.
  const firstFail = acks.findIndex((a) => a.failed > 0);
  assert.ok(firstFail >= 2, `batches after the first were stored (first failure at ${firstFail})`);
  const { frames, sessions } = readBack(path);
  assert.equal(frames.length, stored.length * 2);
  assert.deepEqual(
    frames.map((f) => f.seq),
    stored.flatMap((a) => [a.id * 2, a.id * 2 + 1]),
  );
  assert.equal(sessions[0]!.to_host, stored.length * 2);
  assert.equal(sessions[0]!.unstored, failed.length * 2);
});
