import type { BucketCount } from '../model/index-row.js';
import type { TimelineColumns } from './view-data.js';

/** Buckets of a summary: its memory is fixed (8 arrays of this many int32), whatever the session's size. */
export const SUMMARY_BUCKETS = 1 << 14;
const FIELDS = [
  'starts',
  'answers',
  'failed',
  'cancelled',
  'cancels',
  'logs',
  'control',
  'inflight',
] as const;
type Field = (typeof FIELDS)[number];

/**
 * A session folded into SUMMARY_BUCKETS equal time buckets of `widthNs`, for drawing a
 * range too wide to send message by message. Built from per-bucket counts of seq chunks
 * in seq order (`addCounts`), so a big session is summarised a chunk at a time and a
 * live one extended as it grows; `coarsen` doubles the width (merging pairs of buckets)
 * when messages fall beyond the last bucket. `inflight[b]` is the most invocations open
 * at either edge of bucket b (requests minus answers so far; the moments inside a
 * bucket are not told apart).
 */
export interface TimelineSummary {
  widthNs: number;
  /** Every message up to this seq is counted (-1: none yet). */
  lastSeq: number;
  lastNs: number;
  /** Invocations open after lastSeq. */
  open: number;
  buckets: Record<Field, Int32Array>;
}

/** An empty summary whose buckets cover at least [0, spanNs]. */
export function createSummary(spanNs: number): TimelineSummary {
  const buckets = {} as Record<Field, Int32Array>;
  for (const f of FIELDS) buckets[f] = new Int32Array(SUMMARY_BUCKETS);
  let widthNs = 1024;
  while (widthNs * SUMMARY_BUCKETS <= spanNs) widthNs *= 2;
  return { widthNs, lastSeq: -1, lastNs: 0, open: 0, buckets };
}

/** Whether a message at tNs falls within the buckets. */
export function covers(s: TimelineSummary, tNs: number): boolean {
  return tNs < s.widthNs * SUMMARY_BUCKETS;
}

/**
 * Fold the counts of the chunk of messages after s.lastSeq up to `lastSeq` (bucketed at
 * s.widthNs, in bucket order, none beyond the buckets) into the summary.
 */
export function addCounts(
  s: TimelineSummary,
  counts: readonly BucketCount[],
  lastSeq: number,
  lastNs: number,
): void {
  const b = s.buckets;
  let at = Math.floor(s.lastNs / s.widthNs);
  let before = s.open;
  for (const c of counts) {
    if (c.bucket !== at) {
      b.inflight[at] = Math.max(b.inflight[at]!, before, s.open);
      // Buckets without messages since the last one still had the open invocations in flight.
      for (let k = at + 1; k < c.bucket; k++) b.inflight[k] = Math.max(b.inflight[k]!, s.open);
      at = c.bucket;
      before = s.open;
    }
    const field = fieldOf(c.kind);
    b[field][c.bucket]! += c.count;
    if (field === 'answers') {
      b.failed[c.bucket]! += c.failed;
      b.cancelled[c.bucket]! += c.cancelled;
      s.open -= c.count;
    } else if (field === 'starts') s.open += c.count;
  }
  b.inflight[at] = Math.max(b.inflight[at]!, before, s.open);
  s.open = Math.max(0, s.open);
  s.lastSeq = lastSeq;
  s.lastNs = Math.max(s.lastNs, lastNs);
}

/** The counter a message of this kind adds to. */
export function fieldOf(kind: string): Field {
  switch (kind) {
    case 'invocationRequest':
      return 'starts';
    case 'invocationResponse':
      return 'answers';
    case 'invocationCancel':
      return 'cancels';
    case 'rpcLog':
      return 'logs';
    default:
      return 'control';
  }
}

/** Double the bucket width, merging pairs of buckets. */
export function coarsen(s: TimelineSummary): void {
  for (const f of FIELDS) {
    const a = s.buckets[f];
    for (let i = 0; i < SUMMARY_BUCKETS / 2; i++) {
      const x = a[2 * i]!;
      const y = a[2 * i + 1]!;
      a[i] = f === 'inflight' ? Math.max(x, y) : x + y;
    }
    a.fill(0, SUMMARY_BUCKETS / 2);
  }
  s.widthNs *= 2;
}

/** Empty columns for [t0, t1). */
export function emptyColumns(t0: number, t1: number, n: number): TimelineColumns {
  const z = () => new Array<number>(n).fill(0);
  return {
    t0,
    t1,
    n,
    starts: z(),
    answers: z(),
    failed: z(),
    cancelled: z(),
    cancels: z(),
    logs: z(),
    control: z(),
    inflight: z(),
  };
}

/**
 * Columns of [t0, t1) from the summary: each bucket goes to the column its start falls
 * in. Only what the summary has counted so far (up to s.lastNs) is there.
 */
export function summaryColumns(s: TimelineSummary, t0: number, t1: number, n: number): TimelineColumns {
  const out = emptyColumns(t0, t1, n);
  const span = Math.max(1, t1 - t0);
  const first = Math.max(0, Math.floor(t0 / s.widthNs));
  const last = Math.min(SUMMARY_BUCKETS - 1, Math.floor(t1 / s.widthNs), Math.floor(s.lastNs / s.widthNs));
  for (let i = first; i <= last; i++) {
    const c = Math.min(n - 1, Math.max(0, Math.floor(((i * s.widthNs - t0) / span) * n)));
    for (const f of FIELDS) {
      const v = s.buckets[f][i]!;
      if (f === 'inflight') out.inflight[c] = Math.max(out.inflight[c]!, v);
      else out[f][c]! += v;
    }
  }
  return out;
}
