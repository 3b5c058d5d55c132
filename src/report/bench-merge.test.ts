import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as hdr from 'hdr-histogram-js';
import { makeSampleBenchReport } from '../../test/helpers/bench-fixture.js';
import { mergeBenchReports } from './bench-merge.js';
import { createBenchRecorder } from './bench-recorder.js';
import type { BenchReport, Figures } from './bench-report.js';

const FUNCTIONS = [
  { name: 'HttpTrigger', recordedFunctionId: 'f-1' },
  { name: 'QueueTrigger', recordedFunctionId: 'f-2' },
];
const WORKERS = [
  { workerId: 'aaaaaaaa-0000-0000-0000-000000000001', pid: 101 },
  { workerId: 'bbbbbbbb-0000-0000-0000-000000000002', pid: 102 },
];

/**
 * The same 6,000 invocations as one run with two workers (`machine` undefined) or as the
 * half that worker `machine` served (one worker each): worker 1 is three times slower, so
 * the halves' percentiles are far apart and an average of them would be wrong.
 */
function run(machine: 0 | 1 | undefined, startedAt: string, hostname: string): BenchReport {
  const rec = createBenchRecorder({
    functions: FUNCTIONS,
    workers: machine === undefined ? WORKERS : [WORKERS[machine]!],
  });
  let seed = 11;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let i = 0; i < 6000; i++) {
    const fn = i % 2;
    const worker = (i >> 1) % 2;
    const latency = (150 + 900 * rnd() + (rnd() < 0.02 ? 30_000 * rnd() : 0)) * (worker ? 3 : 1);
    const status = i % 300 === 0 ? 'Failure' : 'Success';
    const rpcLog = rnd() < 0.5;
    if (machine !== undefined && worker !== machine) continue;
    const w = machine === undefined ? worker : 0;
    rec.sent(fn, w);
    rec.completed(fn, w, latency, status, (i / 6000) * 4200);
    if (rpcLog) rec.rpcLog(fn);
  }
  rec.unanswered(1, machine === undefined ? 2 : 1);
  const sample = makeSampleBenchReport();
  return {
    ...sample,
    startedAt,
    durationMs: 4200,
    ...rec.build(4200),
    machine: { ...sample.machine, hostname },
    load: {
      ...sample.load,
      concurrency: machine === undefined ? 20 : 10,
      workers: machine === undefined ? 2 : 1,
    },
  };
}

const T0 = '2026-03-04T05:06:07.000Z';

/** Everything but the encoded histograms, which are compared decoded. */
function figures(f: Figures): Omit<Figures, 'hdr'> {
  const { hdr: _, ...rest } = f;
  return rest;
}

function sameHistogram(a: string, b: string): void {
  const [x, y] = [hdr.decodeFromCompressedBase64(a), hdr.decodeFromCompressedBase64(b)];
  assert.equal(x.totalCount, y.totalCount);
  for (let p = 0; p <= 100; p += 0.5)
    assert.equal(x.getValueAtPercentile(p), y.getValueAtPercentile(p), `p${p}`);
}

test('merging two machines’ reports equals one report of the same invocations', () => {
  const one = run(undefined, T0, 'one');
  const a = run(0, T0, 'm1');
  const b = run(1, T0, 'm2');
  assert.ok(a.overall.latency!.p99Us * 2 < b.overall.latency!.p99Us, 'the halves differ');
  const merged = mergeBenchReports(
    [
      { file: 'a.json', report: a },
      { file: 'b.json', report: b },
    ],
    '0.0.0-test',
  );
  assert.ok(merged.ok, merged.ok ? '' : merged.error);
  const m = merged.report;
  assert.deepEqual(figures(m.overall), figures(one.overall));
  sameHistogram(m.overall.hdr, one.overall.hdr);
  assert.deepEqual(
    m.functions.map((f) => ({ ...figures(f), name: f.name, recordedFunctionId: f.recordedFunctionId })),
    one.functions.map((f) => ({ ...figures(f), name: f.name, recordedFunctionId: f.recordedFunctionId })),
  );
  const seconds = (r: BenchReport) => r.timeline.map(({ hdr: _, ...p }) => p);
  assert.deepEqual(seconds(m), seconds(one));
  assert.deepEqual(m.workers, one.workers);
  assert.equal(m.durationMs, one.durationMs);
  assert.equal(m.load.concurrency, 20);
  assert.equal(m.load.workers, 2);
  assert.deepEqual(
    m.machines?.map((x) => [x.hostname, x.file, x.offsetS, x.completed]),
    [
      ['m1', 'a.json', 0, 3000],
      ['m2', 'b.json', 0, 3000],
    ],
  );
});

test('timelines are aligned by wall time: a run started 2 s later adds into seconds 2 onward', () => {
  const a = run(0, T0, 'm1');
  const b = run(1, '2026-03-04T05:06:09.000Z', 'm2');
  const merged = mergeBenchReports(
    [
      { file: 'a.json', report: a },
      { file: 'b.json', report: b },
    ],
    '0.0.0-test',
  );
  assert.ok(merged.ok);
  const m = merged.report;
  assert.equal(m.startedAt, T0);
  assert.equal(m.durationMs, 6200);
  assert.equal(m.timeline.length, 7);
  const at = (r: BenchReport, s: number) => r.timeline[s]?.completed ?? 0;
  for (let s = 0; s < 7; s++) assert.equal(at(m, s), at(a, s) + at(b, s - 2), `second ${s}`);
  assert.deepEqual(
    m.machines?.map((x) => x.offsetS),
    [0, 2],
  );
  assert.equal(m.overall.completed, 6000);
  assert.ok(Math.abs(m.overall.throughput - 6000 / 6.2) < 1e-9);
});

test('reports that cannot be merged are refused with the reason', () => {
  const a = run(0, T0, 'm1');
  const b = run(1, T0, 'm2');
  const refuse = (inputs: Array<{ file: string; report: BenchReport }>) => {
    const r = mergeBenchReports(inputs, '0.0.0-test');
    assert.equal(r.ok, false);
    return r.ok ? '' : r.error;
  };
  assert.match(refuse([{ file: 'a.json', report: a }]), /at least two/);
  const old = { ...b, timeline: b.timeline.map(({ hdr: _, ...p }) => p) };
  assert.match(
    refuse([
      { file: 'a.json', report: a },
      { file: 'old.json', report: old },
    ]),
    /^old\.json: has no per-second HDR histograms/,
  );
  const open = { ...b, load: { ...b.load, model: 'open' as const, rate: 100 } };
  assert.match(
    refuse([
      { file: 'a.json', report: a },
      { file: 'open.json', report: open },
    ]),
    /^open\.json: open loop, a\.json: closed loop/,
  );
  assert.match(
    refuse([
      { file: 'a.json', report: a },
      { file: 'again.json', report: a },
    ]),
    /^again\.json: the same run as a\.json/,
  );
});
