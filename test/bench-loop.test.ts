// functape bench end to end against the reference worker, from a recording made through
// `functape wrap`: closed and open loop give consistent reports; --compare passes against
// a lenient threshold and fails against a doctored baseline; --json/--html are written.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchReport, Figures } from '../src/report/bench-report.js';
import { functape, recordWithWrap, WORKER } from './bench-helpers.js';

let dir = '';
let db = '';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'functape-bench-'));
  db = join(dir, 'rec.db');
  await recordWithWrap(db, ['noop', 'hello', 'echo'], 12);
});
after(() => rmSync(dir, { recursive: true, force: true }));

function checkConsistent(r: BenchReport): void {
  const check = (f: Figures, what: string) => {
    assert.equal(
      Object.values(f.statuses).reduce((a, b) => a + b, 0),
      f.completed,
      `${what}: completed = sum of statuses`,
    );
    assert.equal(
      f.sent,
      f.completed + f.unanswered,
      `${what}: every measured send is answered or unanswered`,
    );
    assert.equal(f.backlog, 0, `${what}: nothing left unsent`);
    const l = f.latency!;
    const chain = [l.minUs, l.p50Us, l.p90Us, l.p99Us, l.p999Us, l.p9999Us, l.maxUs];
    for (let i = 1; i < chain.length; i++)
      assert.ok(chain[i - 1]! <= chain[i]!, `${what}: percentiles monotonic ${chain}`);
    assert.ok(
      Math.abs(f.throughput - f.completed / (r.durationMs / 1000)) < 1e-6 * f.throughput + 1e-9,
      `${what}: throughput = completed / duration`,
    );
  };
  check(r.overall, 'overall');
  for (const f of r.functions) check(f, f.name);
  assert.equal(
    r.functions.reduce((a, f) => a + f.completed, 0),
    r.overall.completed,
  );
  assert.equal(
    r.workers.reduce((a, w) => a + w.completed, 0),
    r.overall.completed,
  );
  assert.equal(
    r.timeline.reduce((a, p) => a + p.completed, 0),
    r.overall.completed,
  );
  assert.ok(r.generator.cpuUsPerInvocation > 0, 'the generator cost is reported');
  assert.ok(r.machine.cpuCount >= 1 && r.machine.node.startsWith('v'));
  assert.equal(r.stopReason, 'done');
}

test('closed loop: a consistent report, summary table, JSON and HTML files', {
  timeout: 60_000,
}, async () => {
  const json = join(dir, 'closed.json');
  const html = join(dir, 'closed.html');
  const run = await functape([
    'bench',
    '--db',
    db,
    '--worker',
    WORKER,
    '--concurrency',
    '4',
    '--duration',
    '1500ms',
    '--warmup',
    '300ms',
    '--json',
    json,
    '--html',
    html,
  ]);
  assert.equal(run.code, 0, run.stderr);
  const r = JSON.parse(readFileSync(json, 'utf8')) as BenchReport;
  checkConsistent(r);
  assert.equal(r.load.model, 'closed');
  assert.equal(r.load.concurrency, 4);
  assert.deepEqual(r.functions.map((f) => f.name).sort(), ['echo', 'hello', 'noop']);
  assert.ok(r.overall.completed > 20, `some load got through (${r.overall.completed})`);
  assert.deepEqual(Object.keys(r.overall.statuses), ['Success']);
  assert.ok(r.warmup.sent > 0, 'the warmup ran');
  if (process.platform === 'linux')
    assert.ok(
      r.workers[0]!.cpuUs! > 0 && r.workers[0]!.cpuUsPerInvocation! > 0,
      "the worker's CPU is reported beside the generator's",
    );
  assert.ok(r.durationMs >= 1500, `measured window covers the duration (${r.durationMs})`);
  for (const s of [
    'closed loop, 4 in flight',
    'p99.99',
    'noop',
    'hello',
    'echo',
    'invocations/s',
    'µs/invocation',
  ])
    assert.ok(run.stdout.includes(s), `summary has ${s}`);
  const page = readFileSync(html, 'utf8');
  assert.match(page, /<title>functape bench/);
  assert.ok(
    page.includes('"percentiles"') && page.includes('uPlot'),
    'the page carries its data and chart library',
  );

  // --compare: a lenient threshold passes; a doctored baseline (10× the throughput, a tenth of the p99) fails.
  const lenient = await functape([
    'bench',
    '--db',
    db,
    '--worker',
    WORKER,
    '-c',
    '4',
    '-n',
    '100',
    '--compare',
    json,
    '--max-regression',
    '100000%',
  ]);
  assert.equal(lenient.code, 0, lenient.stdout + lenient.stderr);
  assert.match(lenient.stdout, /within 100000% of the baseline/);
  const doctored = structuredClone(r);
  doctored.overall.throughput *= 10;
  doctored.overall.latency!.p99Us = Math.max(1, Math.floor(doctored.overall.latency!.p99Us / 10));
  const bad = join(dir, 'doctored.json');
  writeFileSync(bad, JSON.stringify(doctored));
  const failing = await functape([
    'bench',
    '--db',
    db,
    '--worker',
    WORKER,
    '-c',
    '4',
    '-n',
    '100',
    '--compare',
    bad,
  ]);
  assert.equal(failing.code, 1, failing.stdout + failing.stderr);
  assert.match(failing.stdout, /REGRESSION/);
  assert.match(failing.stdout, /throughput/);
  // A baseline run under another load is refused before the run, in one line.
  const other = await functape([
    'bench',
    '--db',
    db,
    '--worker',
    WORKER,
    '--rate',
    '1500',
    '-n',
    '100',
    '--compare',
    json,
  ]);
  assert.equal(other.code, 2, other.stdout + other.stderr);
  assert.match(
    other.stderr,
    /not comparable with this run \(load: baseline closed loop with 4 in flight, this run open loop at 1500\/s\)/,
  );
  assert.equal(other.stderr.trim().split('\n').length, 1, other.stderr);
  assert.equal(other.stdout, '', 'nothing was run');
});

test('open loop: sends on schedule, a consistent report', { timeout: 60_000 }, async () => {
  // `--json -`: the report on stdout, the summary moves to stderr.
  const run = await functape([
    'bench',
    '--db',
    db,
    '--worker',
    WORKER,
    '--function',
    'noop',
    '--rate',
    '200',
    '--duration',
    '1s',
    '--json',
    '-',
  ]);
  assert.equal(run.code, 0, run.stderr);
  const r = JSON.parse(run.stdout) as BenchReport;
  assert.match(run.stderr, /open loop at 200\/s/);
  checkConsistent(r);
  assert.equal(r.load.model, 'open');
  assert.equal(r.load.rate, 200);
  assert.deepEqual(
    r.functions.map((f) => f.name),
    ['noop'],
  );
  // The schedule, not the answers, decides how many are sent: 200/s for 1 s.
  assert.equal(r.overall.sent, 200);
  assert.equal(r.overall.completed, 200);
});
