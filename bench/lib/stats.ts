import * as hdr from 'hdr-histogram-js';

/** Median and range of one figure over the runs of a benchmark. */
export interface Summary {
  n: number;
  median: number;
  min: number;
  max: number;
}

export function summarize(values: readonly number[]): Summary {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return { n: 0, median: NaN, min: NaN, max: NaN };
  const sorted = [...finite].sort((a, b) => a - b);
  return {
    n: sorted.length,
    median: percentileOfSorted(sorted, 50),
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
  };
}

/** Percentile with linear interpolation between closest ranks (p in 0..100). */
export function percentileOfSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

export function percentile(values: readonly number[], p: number): number {
  return percentileOfSorted(
    [...values].sort((a, b) => a - b),
    p,
  );
}

/** Element-wise a[i] / b[i]: ratios are computed run by run, never from medians. */
export function ratios(a: readonly number[], b: readonly number[]): number[] {
  return a.map((v, i) => v / b[i]!);
}

export function deltas(a: readonly number[], b: readonly number[]): number[] {
  return a.map((v, i) => v - b[i]!);
}

/** A latency recorder in nanoseconds (1 µs .. 60 s, 3 significant digits). */
export interface LatencyRecorder {
  record(ns: number): void;
  count(): number;
  /** Value at percentile p, in microseconds. */
  percentileUs(p: number): number;
  maxUs(): number;
  destroy(): void;
}

export function createLatencyRecorder(): LatencyRecorder {
  const h = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60e9,
    numberOfSignificantValueDigits: 3,
    bitBucketSize: 64,
  });
  return {
    record: (ns) => h.recordValue(Math.max(1, Math.round(ns))),
    count: () => h.totalCount,
    percentileUs: (p) => h.getValueAtPercentile(p) / 1000,
    maxUs: () => h.maxValue / 1000,
    destroy: () => h.destroy(),
  };
}
