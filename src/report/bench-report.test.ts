import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as hdr from 'hdr-histogram-js';
import { makeSampleBenchReport } from '../../test/helpers/bench-fixture.js';
import { renderBenchText } from './bench-text.js';
import { compareBenchReports, parsePercent, renderBenchComparison } from './bench-compare.js';
import { isBenchReport, type BenchReport } from './bench-report.js';

test('recorder figures are consistent: statuses sum, percentiles ordered, per-function sums', () => {
  const r = makeSampleBenchReport();
  const o = r.overall;
  assert.equal(o.completed, 5000);
  assert.equal(
    Object.values(o.statuses).reduce((a, b) => a + b, 0),
    o.completed,
  );
  assert.deepEqual(o.statuses, { Failure: 10, Success: 4990 });
  assert.equal(o.errors, 10);
  const l = o.latency!;
  const chain = [l.minUs, l.p50Us, l.p90Us, l.p99Us, l.p999Us, l.p9999Us, l.maxUs];
  for (let i = 1; i < chain.length; i++) assert.ok(chain[i - 1]! <= chain[i]!, `ordered at ${i}: ${chain}`);
  assert.ok(l.p50Us > 400 && l.p50Us < 2000, `p50 ${l.p50Us}`);
  assert.equal(o.throughput, 1000);
  assert.equal(
    r.functions.reduce((a, f) => a + f.completed, 0),
    o.completed,
  );
  assert.equal(
    r.workers.reduce((a, w) => a + w.completed, 0),
    o.completed,
  );
  assert.equal(o.rpcLogs, 2500);
  assert.equal(r.functions[0]!.rpcLogsPerInvocation, 1);
  assert.equal(r.timeline.length, 5);
  assert.equal(
    r.timeline.reduce((a, p) => a + p.completed, 0),
    o.completed,
  );
  assert.equal(
    o.histogram.reduce((a, b) => a + b.count, 0),
    o.completed,
  );
  for (const b of o.histogram) assert.ok(b.fromUs < b.toUs);
  for (let i = 1; i < o.percentiles.length; i++) assert.ok(o.percentiles[i - 1]!.us <= o.percentiles[i]!.us);
  assert.equal(
    hdr.decodeFromCompressedBase64(o.hdr).totalCount,
    5000,
    'the full histogram travels in the report',
  );
});

test('the text summary names the figures', () => {
  const text = renderBenchText(makeSampleBenchReport());
  for (const s of [
    'closed loop, 10 in flight',
    'p99.99',
    'HttpTrigger',
    'QueueTrigger',
    '1000 invocations/s',
    '4990 Success',
    'µs/invocation',
    '#2 bbbbbbbb',
  ])
    assert.ok(text.includes(s), `missing ${s}:\n${text}`);
});

test('compare passes against itself and flags a throughput drop or a p99 rise', () => {
  const base = makeSampleBenchReport();
  assert.equal(compareBenchReports(base, base, 10).regressed, false);
  const slower = makeSampleBenchReport(1.5); // every latency 50% higher
  const cmp = compareBenchReports(base, slower, 10);
  assert.equal(cmp.regressed, true);
  assert.ok(cmp.rows.find((r) => r.metric === 'p99')!.regression);
  assert.ok(renderBenchComparison(cmp).includes('REGRESSION'));
  assert.equal(compareBenchReports(base, slower, 60).regressed, false, 'within a looser threshold');
  const fewer: BenchReport = {
    ...base,
    overall: { ...base.overall, throughput: base.overall.throughput * 0.8 },
  };
  const t = compareBenchReports(base, fewer, 10);
  assert.equal(t.regressed, true);
  assert.equal(t.rows.find((r) => r.metric === 'throughput')!.changePct, -20);
  assert.equal(compareBenchReports(fewer, base, 10).regressed, false, 'an improvement is not a regression');
});

test('report type guard and percent parsing', () => {
  assert.ok(isBenchReport(JSON.parse(JSON.stringify(makeSampleBenchReport()))));
  assert.ok(!isBenchReport({ format: 'other' }));
  assert.equal(parsePercent('10%'), 10);
  assert.equal(parsePercent('2.5'), 2.5);
  assert.throws(() => parsePercent('ten'), /percentage/);
});

test('the timeline marks the last, partial second', async () => {
  const { createBenchRecorder } = await import('./bench-recorder.js');
  const r = createBenchRecorder({
    functions: [{ name: 'f', recordedFunctionId: 'x' }],
    workers: [{ workerId: 'w', pid: 1 }],
  });
  r.sent(0, 0);
  r.completed(0, 0, 100, 'Success', 2300);
  const t = r.build(2500).timeline;
  assert.deepEqual(
    t.map((p) => [p.second, p.spanS, p.completed]),
    [
      [0, 1, 0],
      [1, 1, 0],
      [2, 0.5, 1],
    ],
  );
});
