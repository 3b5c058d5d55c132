import type Database from 'better-sqlite3';
import { Worker } from 'node:worker_threads';
import type { CaptureEvent } from '../model/event.js';
import type { CaptureStore, StoreStats } from '../model/store.js';
import { windowStep, type BatchWindow } from './batch-window.js';
import { createBatchBuilder, type BatchBuilder } from './frame-batch.js';
import {
  type CaptureStoreOptions,
  type CaptureStoreTuning,
  DEFAULT_TUNING,
  writerOptions,
} from './capture-tuning.js';
import { openForWriting } from './open-database.js';
import { RecordingError } from './recording-error.js';
import { createRecordSql } from './record-sql.js';
import type { FromWriter, ToWriter, WriterConfig } from './writer-protocol.js';

export { type CaptureStoreOptions, type CaptureStoreTuning, writerOptions } from './capture-tuning.js';

/** Session ids kept reserved ahead, so allocateSessionId never waits for SQLite. */
const ID_POOL = 8;

/**
 * A CaptureStore on SQLite whose writes happen on a worker thread. The proxy thread only
 * copies frame bytes into the current batch (one growing buffer, transferred, not
 * cloned); every `batchMs` (`lightBatchMs` for a light batch: batch-window.ts) the batch
 * goes to the writer thread, which indexes, redacts and inserts it in one transaction. At
 * most about `lightBatchMs` plus one transaction of data is lost if the process is
 * killed. The file is checked before anything is written (RecordingError for foreign,
 * newer or corrupt files) and created with mode 0600.
 */
export async function openCaptureStore(
  path: string,
  options: CaptureStoreOptions = {},
): Promise<CaptureStore> {
  const tuning = { ...DEFAULT_TUNING, ...options.tuning };
  const setup = openForWriting(path, options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {});
  let pool: number[];
  try {
    pool = createRecordSql(setup).reserveIds(ID_POOL);
  } finally {
    setup.close();
  }
  const config: WriterConfig = {
    path,
    redact: options.redact ?? {},
    onStoreError: options.onStoreError ?? 'forward',
    deferIndexLimit: tuning.deferIndexLimit,
    ...(tuning.writerNice !== null ? { nice: tuning.writerNice } : {}),
    ...(options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {}),
  };
  const worker = new Worker(new URL('./writer-thread.js', import.meta.url), writerOptions(config, tuning));
  await new Promise<void>((resolve, reject) => {
    const done = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const onMessage = (m: FromWriter) => {
      done();
      if (m.type === 'ready') resolve();
      else
        reject(
          new RecordingError(
            `${path}: cannot open for writing (${m.type === 'open-error' ? m.message : m.type})`,
            'unreadable',
            path,
          ),
        );
    };
    const onError = (err: Error) => {
      done();
      reject(err);
    };
    const onExit = (code: number) => {
      done();
      reject(new Error(`recording store: the writer thread exited (code ${code}) before it was ready`));
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
  return createThreadedStore(path, worker, pool, tuning, options.label);
}

/**
 * The threaded store's named state, on the proxy's thread. Contracts: `stats.queued` and
 * `queuedBytes` count what was accepted and not yet acknowledged (waiting in the batch or
 * being written); each posted batch is in `inFlight` until its ack (or until the writer
 * dies: then it counts as failed); `lastAcked` only grows; once `sealed`, frames count as
 * failed and nothing more is posted.
 */
interface StoreState {
  readonly path: string;
  readonly worker: Worker;
  readonly pool: number[];
  readonly tuning: CaptureStoreTuning;
  readonly window: BatchWindow;
  readonly label: string | undefined;
  readonly handlers: ((err: Error) => void)[];
  readonly builder: BatchBuilder;
  readonly stats: StoreStats;
  /** Frames (and bytes) per posted batch, to release on its ack. */
  readonly inFlight: Map<number, { frames: number; bytes: number }>;
  readonly flushWaiters: { id: number; resolve: () => void }[];
  drainWaiters: (() => void)[];
  queuedBytes: number;
  nextBatch: number;
  lastAcked: number;
  timer: NodeJS.Timeout | undefined;
  /** A reservation of session ids is on its way from the writer. */
  refilling: boolean;
  dead: Error | undefined;
  closing: Promise<void> | undefined;
  sealed: boolean;
  /** A connection of this thread's own, for session ids when the pool ran dry. */
  fallback: Database.Database | undefined;
  closed: () => void;
  readonly closedPromise: Promise<void>;
}

function createThreadedStore(
  path: string,
  worker: Worker,
  pool: number[],
  tuning: CaptureStoreTuning,
  label: string | undefined,
): CaptureStore {
  let closed: () => void = () => {};
  const closedPromise = new Promise<void>((r) => (closed = r));
  const st: StoreState = {
    path,
    worker,
    pool,
    tuning,
    window: {
      ms: tuning.batchMs,
      lightMs: tuning.lightBatchMs ?? 2.5 * tuning.batchMs,
      frames: tuning.batchFrames,
      bytes: tuning.batchBytes,
    },
    label,
    handlers: [],
    builder: createBatchBuilder(),
    stats: { accepted: 0, stored: 0, failed: 0, queued: 0 },
    inFlight: new Map(),
    flushWaiters: [],
    drainWaiters: [],
    queuedBytes: 0,
    nextBatch: 1,
    lastAcked: 0,
    timer: undefined,
    refilling: false,
    dead: undefined,
    closing: undefined,
    sealed: false,
    fallback: undefined,
    closed,
    closedPromise,
  };
  watchWriter(st);
  const store: CaptureStore = {
    allocateSessionId: () => allocateSessionId(st),
    write: (event) => writeEvent(st, event),
    writeFrame(sessionId, seq, dirSeq, direction, tNs, wallMs, compressed, bytes) {
      if (st.sealed) return refuseFrame(st);
      st.builder.addFrameFields(sessionId, seq, dirSeq, direction, tNs, wallMs, compressed, bytes);
      return accepted(st, bytes.length);
    },
    drained() {
      if (belowLow(st)) return Promise.resolve();
      return new Promise<void>((resolve) => st.drainWaiters.push(resolve));
    },
    flush: () => flush(st),
    close() {
      st.closing ??= closeStore(st);
      return st.closing;
    },
    onError(handler) {
      st.handlers.push(handler);
    },
    stats() {
      return { ...st.stats };
    },
  };
  return store;
}

/** A capture event into the current batch (frames through `accepted`, session events through `queued`). */
function writeEvent(st: StoreState, event: CaptureEvent): boolean {
  if (event.type === 'frame') {
    const f = event.frame;
    if (st.sealed) return refuseFrame(st);
    st.builder.addFrame(f);
    return accepted(st, f.bytes.length);
  }
  if (st.sealed) return true; // after close: nothing more can be stored
  if (event.type === 'session-start') {
    const session =
      st.label !== undefined && event.session.label === undefined
        ? { ...event.session, label: st.label }
        : event.session;
    st.builder.addControl({ type: 'session-start', session });
  } else {
    st.builder.addControl({ type: 'session-end', end: event.end });
  }
  return queued(st);
}

/** The writer thread's messages, its failure and its exit. */
function watchWriter(st: StoreState): void {
  const { worker } = st;
  worker.on('message', (m: FromWriter) => onWriterMessage(st, m));
  worker.on('error', (err) =>
    failAllInFlight(
      st,
      Object.assign(new Error(`recording store: writer thread failed: ${err.message}`), { cause: err }),
    ),
  );
  worker.on('exit', () => {
    if (!st.dead && !st.closing) failAllInFlight(st, new Error('recording store: writer thread exited'));
    st.closed();
  });
}

function emit(st: StoreState, err: Error): void {
  for (const h of st.handlers) {
    try {
      h(err);
    } catch {
      // a handler's failure must not break the store
    }
  }
}

const belowHigh = (st: StoreState) =>
  st.queuedBytes <= st.tuning.highWaterBytes && st.stats.queued <= st.tuning.highWaterFrames;
const belowLow = (st: StoreState) =>
  st.queuedBytes <= st.tuning.highWaterBytes / 2 && st.stats.queued <= st.tuning.highWaterFrames / 2;

/** Resolve the flushes whose batches were acknowledged, and the drain waiters once below the low mark. */
function settle(st: StoreState): void {
  while (st.flushWaiters.length > 0 && st.flushWaiters[0]!.id <= st.lastAcked)
    st.flushWaiters.shift()!.resolve();
  if (st.drainWaiters.length > 0 && belowLow(st)) {
    const w = st.drainWaiters;
    st.drainWaiters = [];
    for (const r of w) r();
  }
}

/** Hand the current batch to the writer thread (its buffers transferred), or count it failed when the writer is gone. */
function post(st: StoreState): void {
  if (st.timer) {
    clearTimeout(st.timer);
    st.timer = undefined;
  }
  const { builder } = st;
  if (builder.empty) return;
  const frames = builder.count;
  const bytes = builder.bytes;
  const batch = builder.take(st.nextBatch++);
  if (st.dead) {
    st.stats.failed += frames;
    st.stats.queued -= frames;
    st.queuedBytes -= bytes;
    st.lastAcked = batch.id;
    return settle(st);
  }
  st.inFlight.set(batch.id, { frames, bytes });
  const message: ToWriter = { type: 'batch', batch };
  st.worker.postMessage(message, [batch.data, batch.meta, batch.stamps]);
}

function failAllInFlight(st: StoreState, err: Error): void {
  st.dead = err;
  for (const [id, b] of st.inFlight) {
    st.stats.failed += b.frames;
    st.stats.queued -= b.frames;
    st.queuedBytes -= b.bytes;
    st.lastAcked = Math.max(st.lastAcked, id);
  }
  st.inFlight.clear();
  emit(st, err);
  settle(st);
}

function onWriterMessage(st: StoreState, m: FromWriter): void {
  if (m.type === 'ack') {
    const b = st.inFlight.get(m.id);
    st.inFlight.delete(m.id);
    if (m.buffers) st.builder.recycle(m.buffers);
    if (b) {
      st.stats.queued -= b.frames;
      st.queuedBytes -= b.bytes;
    }
    st.stats.stored += m.stored;
    st.stats.failed += m.failed;
    st.lastAcked = m.id;
    if (m.error)
      emit(st, Object.assign(new Error(`recording store: ${m.error.message}`), { code: m.error.code }));
    settle(st);
  } else if (m.type === 'reserved') {
    st.refilling = false;
    st.pool.push(...m.ids);
  } else if (m.type === 'reserve-error') {
    st.refilling = false;
  } else if (m.type === 'closed') {
    if (m.unrecorded > 0) st.stats.unrecorded = m.unrecorded;
    st.closed();
  }
}

/** A frame written after close: counted, not stored. */
function refuseFrame(st: StoreState): boolean {
  st.stats.accepted++;
  st.stats.failed++;
  return true;
}

/** Count a frame just added to the batch, then as `queued`. */
function accepted(st: StoreState, bytes: number): boolean {
  st.stats.accepted++;
  st.stats.queued++;
  st.queuedBytes += bytes;
  return queued(st);
}

/** Post the batch when full, else make sure a timer will; true while below the high-water marks. */
function queued(st: StoreState): boolean {
  const { builder, tuning } = st;
  if (builder.count >= tuning.batchFrames || builder.bytes >= tuning.batchBytes) post(st);
  else if (!st.timer) windowTimer(st, 0);
  return belowHigh(st);
}

/** The batch's first event came `ageMs` ago: post it now or set the timer for when it is due (batch-window.ts). */
function windowTimer(st: StoreState, ageMs: number): void {
  st.timer = undefined;
  const wait = windowStep(st.window, st.builder.count, st.builder.bytes, ageMs);
  if (wait <= 0) return post(st);
  st.timer = setTimeout(() => windowTimer(st, ageMs + wait), wait);
  st.timer.unref();
}

function allocateSessionId(st: StoreState): number {
  let id = st.pool.shift();
  if (id === undefined) {
    // A burst of sessions outran the refill: reserve on this thread (rare; one small
    // transaction) rather than hand out an id another writer might take.
    st.fallback ??= openForWriting(st.path);
    const [first, ...extra] = createRecordSql(st.fallback).reserveIds(ID_POOL);
    id = first!;
    st.pool.push(...extra);
  }
  if (st.pool.length <= ID_POOL / 2 && !st.refilling && !st.dead && !st.closing) {
    st.refilling = true;
    st.worker.postMessage({ type: 'reserve', n: ID_POOL } satisfies ToWriter);
  }
  return id;
}

function flush(st: StoreState): Promise<void> {
  post(st);
  const id = st.nextBatch - 1;
  if (id <= st.lastAcked) return Promise.resolve();
  return new Promise<void>((resolve) => st.flushWaiters.push({ id, resolve }));
}

async function closeStore(st: StoreState): Promise<void> {
  await flush(st);
  st.fallback?.close();
  st.fallback = undefined;
  // Events written while the flush ran (e.g. session ends of streams being closed)
  // go in one last batch, posted right before the close message.
  post(st);
  st.sealed = true;
  if (!st.dead) {
    st.worker.postMessage({ type: 'close', release: st.pool.splice(0) } satisfies ToWriter);
    await st.closedPromise;
  }
  await st.worker.terminate();
}
