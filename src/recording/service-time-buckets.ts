/**
 * The buckets `stats` keeps service times in: HDR-style log-linear buckets with 3
 * significant digits over whole nanoseconds (hdr-histogram-js's layout for a lowest
 * discernible value of 1 and `numberOfSignificantValueDigits: 3`, which `bench` uses in µs).
 * Values below 2048 ns have a bucket each; from there every power of two is cut into 1024
 * equal buckets, so a bucket is never wider than 1/1024 of its lowest value.
 *
 * Contracts: the bucket index grows with the value (merging histograms is adding counts per
 * index, and the nearest rank over merged counts finds the bucket of the exact nearest-rank
 * value); `bucketTopNs(serviceTimeBucket(v))` is ≥ v and less than v × (1 + 1/1024). The
 * same rule is written in SQL for PostgreSQL (stats-sql.ts `pgServiceTimeBucket`); a test
 * keeps the two equal. Values below 0 (a clock anomaly) fall in bucket 0.
 */

/** Buckets per power of two from 2048 ns on (and half the linear range below it). */
const SUB = 1024;

/** The bucket of a service time of `ns` nanoseconds (a whole number; bigger than 2^53 loses exactness). */
export function serviceTimeBucket(ns: number): number {
  if (!(ns >= 2 * SUB)) return ns > 0 ? Math.floor(ns) : 0;
  const shift = bitLength(ns) - 11;
  return shift * SUB + Math.floor(ns / 2 ** shift);
}

/** The highest value (ns) that falls in `bucket`: what a percentile in that bucket reports. */
export function bucketTopNs(bucket: number): number {
  if (bucket < 2 * SUB) return bucket;
  const shift = Math.floor(bucket / SUB) - 1;
  const sub = bucket - shift * SUB;
  return (sub + 1) * 2 ** shift - 1;
}

/**
 * A percentile as `stats` reports it (ms): the top of its bucket, but never above the exact
 * largest value `maxNs` (a histogram's bucket can reach beyond what was recorded).
 */
export function percentileMs(bucket: number, maxNs: number): number {
  return Math.min(bucketTopNs(bucket), maxNs) / 1e6;
}

/** Bits needed to write `n` (n ≥ 1), exact for whole numbers up to 2^53. */
function bitLength(n: number): number {
  let bits = Math.floor(Math.log2(n)) + 1;
  if (2 ** (bits - 1) > n) bits--;
  else if (2 ** bits <= n) bits++;
  return bits;
}
