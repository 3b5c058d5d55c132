import type Database from 'better-sqlite3';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import type { RedactRules } from '../codec/redact.js';
import type { CaptureEvent } from '../model/event.js';
import type { CaptureStore, StoreStats } from '../model/store.js';
import { createBatchBuilder } from './frame-batch.js';
import { DEFER_LIMIT } from './frame-indexes.js';
import { openForWriting } from './open-database.js';
import { RecordingError } from './recording-error.js';
import { createRecordSql } from './record-sql.js';
import type { FromWriter, ToWriter, WriterConfig } from './writer-protocol.js';

export interface CaptureStoreOptions {
  label?: string;
  /** Redaction rules (default: the built-in ones); `false` stores every byte as seen. */
  redact?: RedactRules | false;
  /**
   * After a store error: 'forward' (default) keeps trying to store later batches;
   * 'fail' stores no more frames (session rows are still written when possible).
   * Either way `write` never throws: the caller decides whether to keep forwarding.
   */
  onStoreError?: 'forward' | 'fail';
  /** Cap the database file at about this many bytes (SQLITE_FULL beyond it). */
  maxBytes?: number;
  /** Batching and memory limits (defaults suit a live proxy). */
  tuning?: Partial<CaptureStoreTuning>;
}

export interface CaptureStoreTuning {
  /**
   * Post a batch at least this often while frames wait (ms). Each batch is a transaction
   * and wakes the writer thread, which costs it ~0.5 ms besides the rows: at 1,000 echoes/s
   * (2,000 frames/s) the writer used ~22 µs per frame with 20 ms and ~10 µs with 100 ms
   * (benchmark 10). What a SIGKILL can lose grows with it (docs/RELIABILITY.md).
   */
  batchMs: number;
  /** ... or as soon as it holds this many frames ... */
  batchFrames: number;
  /** ... or this many bytes. */
  batchBytes: number;
  /** `write` returns false above either high-water mark (queued = waiting + being written). */
  highWaterBytes: number;
  highWaterFrames: number;
  /**
   * Leave the frames table's secondary indexes out while recording, and build them at
   * close, when the file holds at most this many frames at open (see frame-indexes.ts).
   */
  deferIndexLimit: number;
  /**
   * Nice value for the writer thread (Linux; the rest of the process keeps its own), so
   * that on a busy machine the relay gets the CPU before SQLite does; the high-water
   * marks still bound what waits. `null`: leave it as is. Where lowering is not
   * permitted or not possible the writer runs at the process's priority.
   */
  writerNice: number | null;
  /**
   * Cap on the writer thread's V8 young generation (MB; V8 splits it into two semi-spaces
   * and a large-object space, so 12 gives semi-spaces of at most 4 MB), or `null` for
   * V8's default (semi-spaces of up to 16 MB). V8 doubles the semi-spaces once as much as
   * one of them has survived scavenges since the last doubling: at full rate the writer
   * reached 4 MB within a second and stepped to 8 MB seconds to tens of seconds later,
   * +8 MB of RSS at an unpredictable moment, for no measurable gain in speed.
   */
  writerYoungGenerationMb: number | null;
}

const DEFAULT_TUNING: CaptureStoreTuning = {
  batchMs: 100,
  batchFrames: 2048,
  batchBytes: 2 * 1024 * 1024,
  highWaterBytes: 16 * 1024 * 1024,
  highWaterFrames: 16_384,
  deferIndexLimit: DEFER_LIMIT,
  writerNice: 10,
  writerYoungGenerationMb: 12,
};

/** The writer thread's Worker options: its configuration and heap limits. */
export function writerOptions(config: WriterConfig, tuning: Pick<CaptureStoreTuning, 'writerYoungGenerationMb'>): WorkerOptions {
  return {
    workerData: config,
    ...(tuning.writerYoungGenerationMb !== null ? { resourceLimits: { maxYoungGenerationSizeMb: tuning.writerYoungGenerationMb } } : {}),
  };
}

/** Session ids kept reserved ahead, so allocateSessionId never waits for SQLite. */
const ID_POOL = 8;

/**
 * A CaptureStore on SQLite whose writes happen on a worker thread. The proxy thread only
 * copies frame bytes into the current batch (one growing buffer, transferred, not
 * cloned); every `batchMs` the batch goes to the writer thread, which indexes, redacts
 * and inserts it in one transaction. At most about `batchMs` plus one transaction of
 * data is lost if the process is killed. The file is checked before anything is written
 * (RecordingError for foreign, newer or corrupt files) and created with mode 0600.
 */
export async function openCaptureStore(path: string, options: CaptureStoreOptions = {}): Promise<CaptureStore> {
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
      else reject(new RecordingError(`${path}: cannot open for writing (${m.type === 'open-error' ? m.message : m.type})`, 'unreadable', path));
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

function createThreadedStore(
  path: string,
  worker: Worker,
  pool: number[],
  tuning: CaptureStoreTuning,
  label: string | undefined,
): CaptureStore {
  const handlers: ((err: Error) => void)[] = [];
  const builder = createBatchBuilder();
  const stats: StoreStats = { accepted: 0, stored: 0, failed: 0, queued: 0 };
  let queuedBytes = 0;
  let nextBatch = 1;
  let lastAcked = 0;
  let timer: NodeJS.Timeout | undefined;
  let refilling = false;
  let dead: Error | undefined;
  let closing: Promise<void> | undefined;
  /** Set once the last batch is posted during close: later writes count as failed. */
  let sealed = false;
  let fallback: Database.Database | undefined;
  let extra: number[];
  const flushWaiters: { id: number; resolve: () => void }[] = [];
  let drainWaiters: (() => void)[] = [];
  /** Frames (and bytes) per posted batch, to release on its ack. */
  const inFlight = new Map<number, { frames: number; bytes: number }>();
  let closed: () => void = () => {};
  const closedPromise = new Promise<void>((r) => (closed = r));

  const emit = (err: Error) => {
    for (const h of handlers) {
      try {
        h(err);
      } catch {
        // a handler's failure must not break the store
      }
    }
  };
  const belowHigh = () => queuedBytes <= tuning.highWaterBytes && stats.queued <= tuning.highWaterFrames;
  const belowLow = () => queuedBytes <= tuning.highWaterBytes / 2 && stats.queued <= tuning.highWaterFrames / 2;

  function settle(): void {
    while (flushWaiters.length > 0 && flushWaiters[0]!.id <= lastAcked) flushWaiters.shift()!.resolve();
    if (drainWaiters.length > 0 && belowLow()) {
      const w = drainWaiters;
      drainWaiters = [];
      for (const r of w) r();
    }
  }

  function post(): void {
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (builder.empty) return;
    const frames = builder.count;
    const bytes = builder.bytes;
    const batch = builder.take(nextBatch++);
    if (dead) {
      stats.failed += frames;
      stats.queued -= frames;
      queuedBytes -= bytes;
      lastAcked = batch.id;
      return settle();
    }
    inFlight.set(batch.id, { frames, bytes });
    const message: ToWriter = { type: 'batch', batch };
    worker.postMessage(message, [batch.data, batch.meta, batch.stamps]);
  }

  function failAllInFlight(err: Error): void {
    dead = err;
    for (const [id, b] of inFlight) {
      stats.failed += b.frames;
      stats.queued -= b.frames;
      queuedBytes -= b.bytes;
      lastAcked = Math.max(lastAcked, id);
    }
    inFlight.clear();
    emit(err);
    settle();
  }

  worker.on('message', (m: FromWriter) => {
    if (m.type === 'ack') {
      const b = inFlight.get(m.id);
      inFlight.delete(m.id);
      if (m.buffers) builder.recycle(m.buffers);
      if (b) {
        stats.queued -= b.frames;
        queuedBytes -= b.bytes;
      }
      stats.stored += m.stored;
      stats.failed += m.failed;
      lastAcked = m.id;
      if (m.error) emit(Object.assign(new Error(`recording store: ${m.error.message}`), { code: m.error.code }));
      settle();
    } else if (m.type === 'reserved') {
      refilling = false;
      pool.push(...m.ids);
    } else if (m.type === 'reserve-error') {
      refilling = false;
    } else if (m.type === 'closed') {
      closed();
    }
  });
  worker.on('error', (err) => failAllInFlight(Object.assign(new Error(`recording store: writer thread failed: ${err.message}`), { cause: err })));
  worker.on('exit', () => {
    if (!dead && !closing) failAllInFlight(new Error('recording store: writer thread exited'));
    closed();
  });

  /** A frame written after close: counted, not stored. */
  function refuseFrame(): boolean {
    stats.accepted++;
    stats.failed++;
    return true;
  }
  /** Count a frame just added to the batch, then as `queued`. */
  function accepted(bytes: number): boolean {
    stats.accepted++;
    stats.queued++;
    queuedBytes += bytes;
    return queued();
  }
  /** Post the batch when full, else make sure a timer will; true while below the high-water marks. */
  function queued(): boolean {
    if (builder.count >= tuning.batchFrames || builder.bytes >= tuning.batchBytes) post();
    else if (!timer) {
      timer = setTimeout(post, tuning.batchMs);
      timer.unref();
    }
    return belowHigh();
  }

  const store: CaptureStore = {
    allocateSessionId() {
      let id = pool.shift();
      if (id === undefined) {
        // A burst of sessions outran the refill: reserve on this thread (rare; one small
        // transaction) rather than hand out an id another writer might take.
        fallback ??= openForWriting(path);
        [id, ...extra] = createRecordSql(fallback).reserveIds(ID_POOL);
        pool.push(...extra);
      }
      if (pool.length <= ID_POOL / 2 && !refilling && !dead && !closing) {
        refilling = true;
        worker.postMessage({ type: 'reserve', n: ID_POOL } satisfies ToWriter);
      }
      return id;
    },
    write(event: CaptureEvent): boolean {
      if (event.type === 'frame') {
        const f = event.frame;
        if (sealed) return refuseFrame();
        builder.addFrame(f);
        return accepted(f.bytes.length);
      }
      if (sealed) return true; // after close: nothing more can be stored
      if (event.type === 'session-start') {
        const session = label !== undefined && event.session.label === undefined ? { ...event.session, label } : event.session;
        builder.addControl({ type: 'session-start', session });
      } else {
        builder.addControl({ type: 'session-end', end: event.end });
      }
      return queued();
    },
    writeFrame(sessionId, seq, dirSeq, direction, tNs, wallMs, compressed, bytes) {
      if (sealed) return refuseFrame();
      builder.addFrameFields(sessionId, seq, dirSeq, direction, tNs, wallMs, compressed, bytes);
      return accepted(bytes.length);
    },
    drained() {
      if (belowLow()) return Promise.resolve();
      return new Promise<void>((resolve) => drainWaiters.push(resolve));
    },
    flush() {
      post();
      const id = nextBatch - 1;
      if (id <= lastAcked) return Promise.resolve();
      return new Promise<void>((resolve) => flushWaiters.push({ id, resolve }));
    },
    close() {
      closing ??= (async () => {
        await store.flush();
        fallback?.close();
        fallback = undefined;
        // Events written while the flush ran (e.g. session ends of streams being closed)
        // go in one last batch, posted right before the close message.
        post();
        sealed = true;
        if (!dead) {
          worker.postMessage({ type: 'close', release: pool.splice(0) } satisfies ToWriter);
          await closedPromise;
        }
        await worker.terminate();
      })();
      return closing;
    },
    onError(handler) {
      handlers.push(handler);
    },
    stats() {
      return { ...stats };
    },
  };
  return store;
}
