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
import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { freeBytes } from './disk-room.js';
import { createDiskRoom, type DiskRoom } from './disk-room-check.js';
import { CHECKPOINT_BYTES, checkpointNow, configureWriter, settleForClose } from './open-database.js';
import { manageFrameIndexes, type FrameIndexes } from './frame-indexes.js';
import { lowerThreadPriority } from './thread-priority.js';
import { framesPerSession, readBatch, type BatchControl, type FrameBatch } from './frame-batch.js';
import { createRecordSink, type RecordSink } from './record-sink.js';
import type { FromWriter, ToWriter, WriterConfig } from './writer-protocol.js';

const port = parentPort!;
const config = workerData as WriterConfig;
const post = (m: FromWriter): void => port.postMessage(m);
/** Ack a batch, handing its buffers back (transferred) for the capture store to reuse. */
const ack = (
  batch: FrameBatch,
  m: Omit<Extract<FromWriter, { type: 'ack' }>, 'type' | 'id' | 'buffers' | 'group'>,
  group = 1,
): void => {
  const buffers = { data: batch.data, meta: batch.meta, stamps: batch.stamps };
  port.postMessage(
    { type: 'ack', id: batch.id, ...m, ...(group > 1 ? { group } : {}), buffers } satisfies FromWriter,
    [buffers.data, buffers.meta, buffers.stamps],
  );
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
/** The full-disk account: how many queued batches fit a commit (disk-room-check.ts). */
let room: DiskRoom;
try {
  db = new Database(config.path, { fileMustExist: true });
  configureWriter(db, config.maxBytes !== undefined ? { maxBytes: config.maxBytes } : {});
  db.pragma(`cache_size = -${CACHE_KIB}`);
  const dir = dirname(config.path);
  room = createDiskRoom({
    free: () => freeBytes(dir),
    walSize: () => statSync(`${config.path}-wal`, { throwIfNoEntry: false })?.size ?? 0,
    pageSize: db.pragma('page_size', { simple: true }) as number,
    walAllowance: CHECKPOINT_BYTES,
    checkpoint: () => checkpointNow(db),
  });
  indexes = manageFrameIndexes(db, config.deferIndexLimit);
  sink = createRecordSink(db, config.redact);
  post({ type: 'ready' });
} catch (err) {
  post({ type: 'open-error', message: err instanceof Error ? err.message : String(err) });
  port.close();
}

/** Frames per session this writer could not store. */
const unstored = new Map<number, number>();
/** Sessions whose unstored count in the file is behind `unstored`. */
const countsBehind = new Set<number>();
/**
 * Session starts and ends of failed batches that could not be written on their own, in
 * order: written with the next transaction that commits, and at close.
 */
let lateControls: BatchControl[] = [];
/** With onStoreError 'fail', frames are no longer attempted after the first failure. */
let stopped = false;
/**
 * A batch failed as on a full disk (no room for it, or SQLITE_FULL): at close the secondary
 * indexes are then left to the next writer, so that what room is left goes to the session
 * records and to folding the WAL into the file, not to building indexes.
 */
let diskFull = false;

function applyControl(c: BatchControl): void {
  if (c.type === 'session-start') sink.start(c.session);
  else {
    const lost = unstored.get(c.end.id) ?? 0;
    sink.end({ ...c.end, unstored: Math.max(c.end.unstored ?? 0, lost) });
  }
}

/**
 * The session records still owed to the file (late starts and ends, unstored counts),
 * written inside the caller's transaction; `accountingWritten` once it has committed.
 * Counts are not committed on their own after every failed batch: each commit appends
 * the sessions page to the WAL, and on a full disk that used up the room the ends needed.
 */
function writeAccounting(): void {
  for (const c of lateControls) applyControl(c);
  for (const id of countsBehind) sink.sql.noteUnstored(id, unstored.get(id)!);
}
function accountingWritten(): void {
  lateControls = [];
  countsBehind.clear();
}

/** Why a batch is not tried once the recording stopped (on-store-error fail). */
function notTried(): Error {
  return new Error('not stored: recording stopped at an earlier store error (on-store-error fail)');
}

/** Write one batch in its own transaction and ack it; true when it was stored. */
function writeBatch(batch: FrameBatch): boolean {
  if (stopped) {
    failBatches([batch], notTried());
    return false;
  }
  try {
    sink.run(() => {
      writeAccounting();
      readBatch(batch, { frame: (f) => sink.frame(f), control: applyControl });
    });
    accountingWritten();
    growIndexes(batch.count); // before the ack: once flush() resolves, a crossing's indexes exist
    ack(batch, { stored: batch.count, failed: 0 });
    return true;
  } catch (err) {
    failBatches([batch], err);
    return false;
  }
}

/**
 * Write queued batches, as many together as the disk has room for (disk-room-check.ts); a
 * batch that does not fit even alone fails as on a full disk, so the ends still fit.
 */
function writeGroup(group: FrameBatch[]): void {
  let rest = group;
  while (rest.length > 0) {
    if (stopped) return failBatches(rest, notTried());
    const fit = room.fit(rest);
    if (fit.error !== undefined) {
      failBatches([rest[0]!], fit.error);
      rest = rest.slice(1);
      continue;
    }
    const part = rest.slice(0, fit.take);
    const stored = commitGroup(part);
    room.committed(
      { bytes: part.reduce((n, b) => n + b.bytes, 0), count: part.reduce((n, b) => n + b.count, 0) },
      stored,
    );
    rest = rest.slice(fit.take);
  }
}

/**
 * Write batches in one transaction and ack each; if that transaction fails, each batch is
 * written again on its own (writeBatch), so a failure fails no more than before. True
 * when every batch was stored.
 */
function commitGroup(group: FrameBatch[]): boolean {
  if (group.length === 1) return writeBatch(group[0]!);
  let rows = 0;
  try {
    sink.run(() => {
      writeAccounting();
      for (const batch of group) {
        readBatch(batch, { frame: (f) => sink.frame(f), control: applyControl });
        rows += batch.count;
      }
    });
  } catch {
    return group.map(writeBatch).every(Boolean);
  }
  accountingWritten();
  growIndexes(rows); // before the acks, as in writeBatch
  for (const batch of group) ack(batch, { stored: batch.count, failed: 0 }, group.length);
  return true;
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

/**
 * Count the frames of failed batches as unstored and write their session starts and ends
 * (with what is owed from before) in one transaction; what does not fit waits for the
 * next commit or close.
 */
function failBatches(batches: FrameBatch[], err: unknown): void {
  if (config.onStoreError === 'fail') stopped = true;
  if ((err as { code?: unknown }).code === 'SQLITE_FULL') diskFull = true;
  for (const batch of batches) {
    for (const [id, n] of framesPerSession(batch)) {
      unstored.set(id, (unstored.get(id) ?? 0) + n);
      countsBehind.add(id);
    }
    lateControls.push(...batch.controls);
  }
  if (batches.some((b) => b.controls.length > 0)) writeAccountingAlone();
  const error = {
    message: err instanceof Error ? err.message : String(err),
    ...(typeof (err as { code?: unknown }).code === 'string' ? { code: (err as { code: string }).code } : {}),
  };
  for (const batch of batches) ack(batch, { stored: 0, failed: batch.count, error });
}

/** Commit what is owed to the session rows; false when the database refuses even that. */
function writeAccountingAlone(): boolean {
  try {
    sink.run(writeAccounting);
    accountingWritten();
    return true;
  } catch {
    return false;
  }
}

/** Sessions whose start, end or unstored count the file does not hold (nothing more could be written). */
function unrecordedSessions(): number {
  const ids = new Set(countsBehind);
  for (const c of lateControls) ids.add(c.type === 'session-start' ? c.session.id : c.end.id);
  return ids.size;
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
      // The session records first, while there may still be room for them.
      try {
        sink.run(() => {
          writeAccounting();
          sink.sql.releaseIds(m.release);
        });
        accountingWritten();
      } catch {
        // reserved rows are invisible to readers; leaving them costs only an id gap. On a
        // full disk the WAL's old page images may hold the room the records need: fold
        // them into the file and try once more.
        if (!writeAccountingAlone()) {
          try {
            checkpointNow(db);
          } catch {
            // the file cannot grow by the pages the WAL holds
          }
          writeAccountingAlone();
        }
      }
      try {
        if (!diskFull) indexes.finish();
      } catch {
        // e.g. the file is full (max bytes): readers work without the secondary indexes,
        // and the next writer to open the file builds them
      }
      settleForClose(db);
      db.close();
      post({ type: 'closed', unrecorded: unrecordedSessions() });
      port.close();
      break;
  }
}

port.on('message', handle);
