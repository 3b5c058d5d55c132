import * as hdr from 'hdr-histogram-js';
import type { Figures, LatencySummary } from './bench-report.js';

/** Percentiles drawn in the percentile plot (log-spaced toward the tail). */
export const CURVE_PERCENTILES: readonly number[] = [
  0, 10, 20, 30, 40, 50, 60, 70, 75, 80, 85, 90, 92.5, 95, 96.25, 97.5, 98, 98.75, 99, 99.375, 99.5, 99.7,
  99.8, 99.9, 99.95, 99.97, 99.99, 99.995, 99.999, 100,
];

/** Log-spaced histogram buckets: this many per decade of microseconds. */
const BUCKETS_PER_DECADE = 10;

/**
 * A latency histogram in µs, 1 µs to an hour. `digits` 3 (0.1% resolution) for the
 * figures; the per-second timeline uses 2 (1%). Plain 32-bit
 * counts, not 'packed': recording is on the hot path and packed arrays cost ~2 µs a value.
 */
export function newHistogram(digits: 2 | 3 = 3): hdr.Histogram {
  // The timeline's histograms start small and grow to the largest value they see (~6 KB a
  // second for latencies up to 100 ms), so an hour-long run stays in tens of MB.
  const highestTrackableValue = digits === 2 ? 1024 : 3_600_000_000;
  return hdr.build({
    bitBucketSize: 32,
    lowestDiscernibleValue: 1,
    highestTrackableValue,
    numberOfSignificantValueDigits: digits,
    autoResize: true,
  });
}

/**
 * Counts of one group of invocations (all, a function) in the measured window.
 * `record` is the hot path: a histogram update and a few increments.
 */
export interface FigureAccumulator {
  sent: number;
  unanswered: number;
  backlog: number;
  rpcLogs: number;
  record(latencyUs: number, status: string): void;
  /** p99 so far (µs), 0 before the first answer. */
  p99(): number;
  build(durationMs: number): Figures;
}

export function createFigureAccumulator(): FigureAccumulator {
  const histogram = newHistogram();
  const statuses: Record<string, number> = {};
  const logBuckets = new Map<number, number>();
  let completed = 0;
  let errors = 0;
  return {
    sent: 0,
    unanswered: 0,
    backlog: 0,
    rpcLogs: 0,
    record(latencyUs, status) {
      const us = Math.max(1, Math.round(latencyUs));
      histogram.recordValue(us);
      completed += 1;
      if (status !== 'Success') errors += 1;
      statuses[status] = (statuses[status] ?? 0) + 1;
      const b = Math.floor(Math.log10(us) * BUCKETS_PER_DECADE);
      logBuckets.set(b, (logBuckets.get(b) ?? 0) + 1);
    },
    p99: () => (completed > 0 ? valueAt(histogram, 99) : 0),
    build(durationMs) {
      return {
        sent: this.sent,
        completed,
        unanswered: this.unanswered,
        backlog: this.backlog,
        errors,
        throughput: durationMs > 0 ? completed / (durationMs / 1000) : 0,
        statuses: { ...statuses },
        latency: completed > 0 ? summarize(histogram) : null,
        percentiles:
          completed > 0 ? CURVE_PERCENTILES.map((p) => ({ percentile: p, us: valueAt(histogram, p) })) : [],
        histogram: [...logBuckets.entries()]
          .sort((a, b) => a[0] - b[0])
          .map(([b, count]) => ({
            fromUs: round3(10 ** (b / BUCKETS_PER_DECADE)),
            toUs: round3(10 ** ((b + 1) / BUCKETS_PER_DECADE)),
            count,
          })),
        rpcLogs: this.rpcLogs,
        rpcLogsPerInvocation: completed > 0 ? this.rpcLogs / completed : 0,
        hdr: hdr.encodeIntoCompressedBase64(histogram),
      };
    },
  };
}

/**
 * The exact smallest and largest values recorded. A histogram knows them while it records;
 * one decoded from a report (or added from several) only knows their buckets, so `bench
 * merge` passes the reports' own figures.
 */
export interface ValueBounds {
  minUs: number;
  maxUs: number;
}

const boundsOf = (h: hdr.Histogram): ValueBounds => ({ minUs: h.minNonZeroValue, maxUs: h.maxValue });

/** The summary percentiles of a histogram; p50 ≤ p90 ≤ … ≤ max by construction. */
export function summarize(h: hdr.Histogram, bounds: ValueBounds = boundsOf(h)): LatencySummary {
  return {
    minUs: bounds.minUs,
    meanUs: round3(h.mean),
    stdevUs: round3(h.stdDeviation),
    p50Us: valueAt(h, 50, bounds),
    p90Us: valueAt(h, 90, bounds),
    p99Us: valueAt(h, 99, bounds),
    p999Us: valueAt(h, 99.9, bounds),
    p9999Us: valueAt(h, 99.99, bounds),
    maxUs: bounds.maxUs,
  };
}

/**
 * The value at a percentile, kept within [min, max]: HDR reports the highest value
 * equivalent to the bucket, which can exceed the largest value actually recorded.
 */
export function valueAt(h: hdr.Histogram, percentile: number, bounds: ValueBounds = boundsOf(h)): number {
  if (percentile <= 0) return bounds.minUs;
  return Math.max(bounds.minUs, Math.min(bounds.maxUs, h.getValueAtPercentile(percentile)));
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
