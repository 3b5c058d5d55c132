import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as hdr from 'hdr-histogram-js';
import { bucketTopNs, percentileMs, serviceTimeBucket } from './service-time-buckets.js';

/** Whole numbers from 0 to ~2^45 ns (~10 hours): every value up to 5000, then ~0.01% steps, and the powers of two ±1. */
function values(): number[] {
  const out: number[] = [];
  for (let v = 0; v <= 5000; v++) out.push(v);
  for (let v = 5000; v < 2 ** 45; v = Math.ceil(v * 1.0001)) out.push(v);
  for (let k = 11; k <= 45; k++) out.push(2 ** k - 1, 2 ** k, 2 ** k + 1);
  return out.sort((a, b) => a - b);
}

test('a bucket holds its value, and its top is less than 0.1% (1/1024) above it: 3 significant digits', () => {
  for (const v of values()) {
    const top = bucketTopNs(serviceTimeBucket(v));
    assert.ok(top >= v, `${v}: top ${top}`);
    assert.ok(top - v < Math.max(1, v / 1024), `${v}: top ${top}`);
    if (v < 2048) assert.equal(top, v, 'exact below 2048 ns');
  }
});

test('buckets grow with the value, one after another, and every value of a bucket is below its top', () => {
  let last = 0;
  for (const v of values()) {
    const b = serviceTimeBucket(v);
    assert.ok(b === last || b === last + 1 || v > 5000, `${v}: bucket ${b} after ${last}`);
    assert.ok(b >= last, `${v}: bucket ${b} after ${last}`);
    if (b > 0) assert.ok(bucketTopNs(b - 1) < v, `${v} is above the previous bucket`);
    last = b;
  }
  // around a power of two the numbering has no gap
  assert.deepEqual(
    [2047, 2048, 2049, 2050, 4095, 4096].map(serviceTimeBucket),
    [2047, 2048, 2048, 2049, 3071, 3072],
  );
});

test("the same buckets as hdr-histogram-js's with 3 significant digits (what bench uses)", () => {
  const h = new hdr.Int32Histogram(1, 2 ** 46, 3);
  for (const v of values().filter((x) => x > 0))
    assert.equal(bucketTopNs(serviceTimeBucket(v)), h.highestEquivalentValue(v), String(v));
});

test('a percentile is its bucket top in ms, never above the exact maximum; below 0 counts as 0', () => {
  assert.equal(
    percentileMs(serviceTimeBucket(1_000_000), 2_000_000),
    bucketTopNs(serviceTimeBucket(1_000_000)) / 1e6,
  );
  assert.equal(percentileMs(serviceTimeBucket(1_000_000), 1_000_000), 1);
  assert.equal(serviceTimeBucket(-5), 0);
});
