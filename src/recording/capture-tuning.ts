import type { WorkerOptions } from 'node:worker_threads';
import type { RedactRules } from '../codec/redact.js';
import { DEFER_LIMIT } from './frame-indexes.js';
import type { WriterConfig } from './writer-protocol.js';

/**
 * What a capture store can be asked for when it opens (capture-store.ts): redaction, what
 * a store error does, a size cap, and the batching, memory and writer-thread tuning with
 * its defaults.
 */
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
   * Post a batch this long after its first event (ms) when it holds at least half of
   * `batchFrames` or `batchBytes` by then; a lighter batch waits until `lightBatchMs`
   * (batch-window.ts). Each batch is a transaction and wakes the writer thread, which
   * costs it ~1 ms besides the rows: at 1,000 echoes/s (2,000 frames/s) the writer used
   * ~22 µs per frame with 20 ms, ~10 µs with 100 ms and ~8 µs with a 250 ms light window
   * (benchmark 10, per-thread CPU). A SIGKILL loses up to this much traffic
   * (`lightBatchMs` when it is light), plus what waits for the writer. On a small disk
   * the writer's room account (disk-room-check.ts) sizes each commit, so a larger window
   * does not eat the room kept for the session ends.
   */
  batchMs: number;
  /** How long a light batch may wait (ms); default 2.5 × `batchMs` (250 ms). */
  lightBatchMs?: number;
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

export const DEFAULT_TUNING: CaptureStoreTuning = {
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
export function writerOptions(
  config: WriterConfig,
  tuning: Pick<CaptureStoreTuning, 'writerYoungGenerationMb'>,
): WorkerOptions {
  return {
    workerData: config,
    ...(tuning.writerYoungGenerationMb !== null
      ? { resourceLimits: { maxYoungGenerationSizeMb: tuning.writerYoungGenerationMb } }
      : {}),
  };
}
