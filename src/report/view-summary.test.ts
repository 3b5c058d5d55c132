import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BucketCount } from '../model/index-row.js';
import {
  addCounts,
  coarsen,
  covers,
  createSummary,
  SUMMARY_BUCKETS,
  summaryColumns,
} from './view-summary.js';

const c = (bucket: number, kind: string, count: number, failed = 0): BucketCount => ({
  bucket,
  kind,
  count,
  failed,
  cancelled: 0,
});

test('a summary counts per bucket and tracks invocations in flight across buckets and chunks', () => {
  const s = createSummary(10_000);
  assert.equal(s.widthNs, 1024);
  // bucket 0: 5 requests, 2 answers (1 failed); bucket 3: 1 answer; chunk 2: bucket 3 again, 4 requests.
  addCounts(
    s,
    [c(0, 'invocationRequest', 5), c(0, 'invocationResponse', 2, 1), c(0, 'workerInitRequest', 1)],
    7,
    10,
  );
  addCounts(s, [c(3, 'invocationResponse', 1), c(3, 'rpcLog', 2)], 10, 3 * 1024 + 5);
  addCounts(s, [c(3, 'invocationRequest', 4)], 14, 3 * 1024 + 9);
  const b = s.buckets;
  assert.deepEqual(
    [b.starts[0], b.answers[0], b.failed[0], b.control[0], b.logs[3], b.starts[3]],
    [5, 2, 1, 1, 2, 4],
  );
  // In flight: 0 → 3 after bucket 0 (the 5 requests and 2 answers are not told apart inside it),
  // still 3 through the empty buckets 1 and 2, then 2 and 6 in bucket 3.
  assert.deepEqual(Array.from(b.inflight.subarray(0, 4)), [3, 3, 3, 6]);
  assert.equal(s.open, 6);
  assert.equal(s.lastSeq, 14);
});

test('coarsening halves the buckets: counts add up, in flight keeps the larger', () => {
  const s = createSummary(0);
  addCounts(
    s,
    [c(0, 'invocationRequest', 2), c(1, 'invocationRequest', 3), c(2, 'invocationResponse', 4)],
    9,
    2 * 1024,
  );
  coarsen(s);
  assert.equal(s.widthNs, 2048);
  assert.deepEqual(Array.from(s.buckets.starts.subarray(0, 2)), [5, 0]);
  assert.deepEqual(Array.from(s.buckets.inflight.subarray(0, 2)), [5, 5]);
  assert.equal(s.buckets.answers[1], 4);
  assert.ok(covers(s, 2048 * SUMMARY_BUCKETS - 1) && !covers(s, 2048 * SUMMARY_BUCKETS));
});

test('summary columns sum the buckets of each column and stop where the summary has counted', () => {
  const s = createSummary(0);
  addCounts(
    s,
    [c(0, 'invocationRequest', 1), c(1, 'invocationRequest', 1), c(5, 'invocationResponse', 2)],
    4,
    5 * 1024,
  );
  const cols = summaryColumns(s, 0, 8 * 1024, 4);
  assert.deepEqual(cols.starts, [2, 0, 0, 0]);
  assert.deepEqual(cols.answers, [0, 0, 2, 0]);
  assert.deepEqual(cols.inflight, [2, 2, 2, 0], 'nothing counted beyond lastNs');
});
