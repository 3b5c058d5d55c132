import type { Direction } from './frame.js';

/**
 * A stored message as the viewer's timeline needs it: its index columns and, read from
 * its bytes only for the two kinds that need it, an answer's status and a log's text.
 * No bytes: a million of these is what a timeline scan passes through, never keeps.
 */
export interface IndexRow {
  seq: number;
  /** ns since the session started (a number: exact below 2^53 ns, ~104 days). */
  tNs: number;
  kind: string;
  direction: Direction;
  invocationId: string | null;
  functionId: string | null;
  size: number;
  /** invocationResponse: StatusResult.Status (0 Failure, 1 Success, 2 Cancelled). */
  status?: number;
  /** rpcLog: its message, when the reader was asked for log text. */
  log?: string;
}

/** One bucket × kind of a recording reader's bucket counts, in bucket order. */
export interface BucketCount {
  bucket: number;
  kind: string;
  count: number;
  failed: number;
  cancelled: number;
}

export interface BucketCounts {
  counts: BucketCount[];
  /** The last seq and t_ns in the chunk (undefined: no messages there). */
  lastSeq?: number;
  lastNs?: number;
}
