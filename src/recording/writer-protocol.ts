import type { RedactRules } from '../codec/redact.js';
import type { BatchBuffers, FrameBatch } from './frame-batch.js';

/** What the capture store's writer thread is started with. */
export interface WriterConfig {
  path: string;
  redact: RedactRules | false;
  maxBytes?: number;
  onStoreError: 'forward' | 'fail';
  /** Defer the secondary indexes when the file holds at most this many frames (default DEFER_LIMIT). */
  deferIndexLimit?: number;
  /** Nice value for the writer thread alone (lowerThreadPriority); none: unchanged. */
  nice?: number;
}

/** Main thread → writer thread. Handled strictly in order. */
export type ToWriter =
  | { type: 'batch'; batch: FrameBatch }
  | { type: 'reserve'; n: number }
  | { type: 'close'; release: number[] };

/**
 * Writer thread → main thread. Every batch gets exactly one ack, in batch order. `group`:
 * how many batches were committed together in this batch's transaction (absent: alone).
 */
export type FromWriter =
  | { type: 'ready' }
  | { type: 'open-error'; message: string }
  | {
      type: 'ack';
      id: number;
      stored: number;
      failed: number;
      error?: { message: string; code?: string };
      group?: number;
      buffers?: BatchBuffers;
    }
  | { type: 'reserved'; ids: number[] }
  | { type: 'reserve-error'; message: string }
  /** `unrecorded`: sessions whose start, end or unstored count could not be written at all. */
  | { type: 'closed'; unrecorded: number };
