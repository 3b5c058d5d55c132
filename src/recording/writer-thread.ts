/**
 * The capture store's writer thread: all SQLite work of a live recording (indexing,
 * redaction, inserts, WAL checkpoints) happens here, off the proxy's event loop.
 * Batches are written in groups: when a batch arrives and more batches already wait in
 * the port's queue (the writer fell behind), they are drained with receiveMessageOnPort
 * and written in one transaction, up to GROUP_FRAMES frames / GROUP_BYTES bytes (every
 * commit rewrites each index page it touched into the WAL, so fewer, larger commits cost
 * less per row). A non-batch message ('reserve', 'close') ends the group and is handled
 * after it, so messages are still handled strictly in order. Each batch of a committed
 * group is then acked on its own, in order, after `growIndexes`. If the group's
 * transaction fails, its batches are retried one by one, each in its own transaction, so
 * every batch ends stored or failed exactly as it would have alone.
 * The frames table's secondary indexes are left out while the
 * file holds at most DEFER_LIMIT frames, and built at close or when the file grows past it
 * (frame-indexes.ts); a writer killed before that
 * leaves a file readers still answer from, which the next writer to open it completes.
 * A batch that fails (e.g. SQLITE_FULL) is rolled back and
 * counted as failed; its session events are retried on their own, so session rows and
 * end reasons survive whenever the database still accepts small writes. With
 * onStoreError 'fail', no frame is attempted after the first failed batch.
 */
import Database from 'better-sqlite3';
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { configureWriter, settleForClose } from './open-database.js';
import { manageFrameIndexes, type FrameIndexes } from './frame-indexes.js';
import { lowerThreadPriority } from './thread-priority.js';
import { framesPerSession, readBatch, type BatchControl, type FrameBatch } from './frame-batch.js';
import { createRecordSink, type RecordSink } from './record-sink.js';
import type { FromWriter, ToWriter, WriterConfig } from './writer-protocol.js';

const port = parentPort!;
const config = workerData as WriterConfig;
const post = (m: FromWriter): void => port.postMessage(m);
/** Ack a batch, handing its buffers back (transferred) for the capture store to reuse. */
const ack = (batch: FrameBatch, m: Omit<Extract<FromWriter, { type: 'ack' }>, 'type' | 'id' | 'buffers' | 'group'>, group = 1): void => {
  const buffers = { data: batch.data, meta: batch.meta, stamps: batch.stamps };
  port.postMessage({ type: 'ack', id: batch.id, ...m, ...(group > 1 ? { group } : {}), buffers } satisfies FromWriter, [buffers.data, buffers.meta, buffers.stamps]);
};

// First of all, so that SQLite's work never takes the CPU from the relay's thread.
if (config.nice !== undefined) lowerThreadPriority(config.nice);

/**
 * The writer's SQLite page cache, KiB (better-sqlite3's default is 16 MB). Past the index
 * deferral limit every insert touches random pages of the secondary indexes, and a 16 MB
 * cache filled up to its size in the proxy's RSS; pages it drops are read back from the OS
 * file cache. Bench 5 (1M messages), two rounds of 3 runs each: peak RSS 156-161 MB with
 * 16 MB, 126-145 MB with 8 MiB, 128-135 MB with 4 MiB; the relay rate the same within the
 * noise (50-61k msgs/s all three).
 */
const CACHE_KIB = 4096;

let db: Database.Database;
let sink: RecordSink;
let indexes: FrameIndexes;
try {
  db = new Database(config.path, { fileMustExist: true });
  configureWriter(db, config.maxBytes !== undefined ? { maxBytes: config.maxBytes } : {});
  db.pragma(`cache_size = -${CACHE_KIB}`);
  indexes = manageFrameIndexes(db, config.deferIndexLimit);
  sink = createRecordSink(db, config.redact);
  post({ type: 'ready' });
} catch (err) {
  post({ type: 'open-error', message: err instanceof Error ? err.message : String(err) });
  port.close();
}

/** Frames per session this writer could not store. */
const unstored = new Map<number, number>();
/** With onStoreError 'fail', frames are no longer attempted after the first failure. */
let stopped = false;

function applyControl(c: BatchControl): void {
  if (c.type === 'session-start') sink.start(c.session);
  else {
    const lost = unstored.get(c.end.id) ?? 0;
    sink.end({ ...c.end, unstored: Math.max(c.end.unstored ?? 0, lost) });
  }
}

function writeBatch(batch: FrameBatch): void {
  if (stopped) return failBatch(batch, new Error('not stored: recording stopped at an earlier store error (on-store-error fail)'));
  try {
    sink.run(() => readBatch(batch, { frame: (f) => sink.frame(f), control: applyControl }));
    growIndexes(batch.count); // before the ack: once flush() resolves, a crossing's indexes exist
    ack(batch, { stored: batch.count, failed: 0 });
  } catch (err) {
    failBatch(batch, err);
  }
}

/**
 * Write queued batches in one transaction and ack each; if that transaction fails, each
 * batch is written again on its own (writeBatch), so a failure fails no more than before.
 */
function writeGroup(group: FrameBatch[]): void {
  if (group.length === 1 || stopped) {
    for (const batch of group) writeBatch(batch);
    return;
  }
  let rows = 0;
  try {
    sink.run(() => {
      for (const batch of group) {
        readBatch(batch, { frame: (f) => sink.frame(f), control: applyControl });
        rows += batch.count;
      }
    });
  } catch {
    for (const batch of group) writeBatch(batch);
    return;
  }
  growIndexes(rows); // before the acks, as in writeBatch
  for (const batch of group) ack(batch, { stored: batch.count, failed: 0 }, group.length);
}

/** Past the deferral limit the indexes are built now (frame-indexes.ts); a failure leaves them to close. */
function growIndexes(rows: number): void {
  try {
    indexes.grew(rows);
  } catch {
    // e.g. the file is full (max bytes): the frames are stored; readers work without the
    // secondary indexes, and close (or the next writer) builds them
  }
}

function failBatch(batch: FrameBatch, err: unknown): void {
  if (err !== undefined && config.onStoreError === 'fail') stopped = true;
  const lost = framesPerSession(batch);
  for (const [id, n] of lost) unstored.set(id, (unstored.get(id) ?? 0) + n);
  for (const c of batch.controls) {
    try {
      sink.run(() => applyControl(c));
    } catch {
      // the database refuses even small writes; the count below says what was lost
    }
  }
  for (const id of lost.keys()) {
    try {
      sink.run(() => sink.sql.noteUnstored(id, unstored.get(id)!));
    } catch {
      // as above
    }
  }
  const error =
    err === undefined
      ? undefined
      : {
          message: err instanceof Error ? err.message : String(err),
          ...(typeof (err as { code?: unknown }).code === 'string' ? { code: (err as { code: string }).code } : {}),
        };
  ack(batch, { stored: 0, failed: batch.count, ...(error ? { error } : {}) });
}

/** A group takes queued batches until it holds this many frames (or GROUP_BYTES bytes). */
const GROUP_FRAMES = 16_384;
const GROUP_BYTES = 16 * 1024 * 1024;

/**
 * A batch and the batches queued right behind it (up to the caps), written as one group;
 * returns the first queued non-batch message met, which comes next in order.
 */
function takeGroup(first: FrameBatch): ToWriter | undefined {
  const group = [first];
  let frames = first.count;
  let bytes = first.bytes;
  let next: ToWriter | undefined;
  while (frames < GROUP_FRAMES && bytes < GROUP_BYTES) {
    const queued = receiveMessageOnPort(port) as { message: ToWriter } | undefined;
    if (queued === undefined) break;
    if (queued.message.type !== 'batch') {
      next = queued.message;
      break;
    }
    group.push(queued.message.batch);
    frames += queued.message.batch.count;
    bytes += queued.message.batch.bytes;
  }
  writeGroup(group);
  return next;
}

function handle(m: ToWriter): void {
  switch (m.type) {
    case 'batch': {
      const next = takeGroup(m.batch);
      if (next !== undefined) handle(next); // not a batch: no deeper recursion
      break;
    }
    case 'reserve':
      try {
        post({ type: 'reserved', ids: sink.sql.reserveIds(m.n) });
      } catch (err) {
        post({ type: 'reserve-error', message: err instanceof Error ? err.message : String(err) });
      }
      break;
    case 'close':
      try {
        sink.sql.releaseIds(m.release);
      } catch {
        // reserved rows are invisible to readers; leaving them costs only an id gap
      }
      try {
        indexes.finish();
      } catch {
        // e.g. the file is full (max bytes): readers work without the secondary indexes,
        // and the next writer to open the file builds them
      }
      settleForClose(db);
      db.close();
      post({ type: 'closed' });
      port.close();
      break;
  }
}

port.on('message', handle);
