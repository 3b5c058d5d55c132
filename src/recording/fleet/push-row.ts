import type { Direction, StoredFrame } from '../../model/frame.js';

/**
 * One frame as push reads it from SQLite and writes it into COPY: the statement's row array
 * itself, never turned into a frame object (`R` names the positions). `flags` holds the
 * direction (bit 0: toWorker), compressed (bit 1) and redacted (bit 2); a direction that is
 * neither of the two is in `odd` instead. `tNs` is a number, or text/bigint beyond 2^53.
 * `bytes` is the message, or its length in its page's `bytes` (the page's messages
 * concatenated in seq order), which the rows before it in the page take in turn.
 */
export type PushRow = [
  seq: number,
  dirSeq: number,
  flags: number,
  tNs: number | string | bigint,
  wallMs: number,
  kind: string,
  requestId: string | null,
  invocationId: string | null,
  functionId: string | null,
  size: number,
  decodeError: string | null,
  bytes: Uint8Array | number,
  odd?: Direction | string,
];

/** The positions of PushRow. */
export const R = {
  seq: 0,
  dirSeq: 1,
  flags: 2,
  tNs: 3,
  wallMs: 4,
  kind: 5,
  requestId: 6,
  invocationId: 7,
  functionId: 8,
  size: 9,
  decodeError: 10,
  bytes: 11,
  odd: 12,
} as const;

export const TO_WORKER = 1;
export const COMPRESSED = 2;
export const REDACTED = 4;

/** Rows of one read, and the bytes their numeric `bytes` fields are lengths in. */
export interface PushPage {
  rows: PushRow[];
  bytes: Buffer | null;
}

/** The direction a row's frame travels. */
export function rowDirection(r: PushRow): string {
  return r[R.odd] ?? (r[R.flags] & TO_WORKER ? 'toWorker' : 'toHost');
}

/** True for a frame to the host; one that travels neither way counts as toWorker. */
export function toHost(r: PushRow): boolean {
  return (r[R.flags] & TO_WORKER) === 0 && r[R.odd] === undefined;
}

/** A frame as a row (its bytes in the row): for callers that hold frames, not pages. */
export function frameRow(f: StoredFrame): PushRow {
  const flags =
    (f.direction === 'toWorker' ? TO_WORKER : 0) |
    (f.compressed ? COMPRESSED : 0) |
    (f.redacted ? REDACTED : 0);
  const row: PushRow = [
    f.seq,
    f.dirSeq,
    flags,
    f.tNs,
    f.wallMs,
    f.kind,
    f.requestId ?? null,
    f.invocationId ?? null,
    f.functionId ?? null,
    f.size,
    f.decodeError ?? null,
    f.bytes,
  ];
  if (f.direction !== 'toHost' && f.direction !== 'toWorker') row[R.odd] = f.direction;
  return row;
}
