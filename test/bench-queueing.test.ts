// Open loop above capacity: latency measured from the intended send time grows while the
// backlog grows (queueing is visible), where a closed loop at the same concurrency shows a
// flat, small latency. Capacity here: `sleep` (1-5 ms as recorded) with at most one in flight.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchReport } from '../src/report/bench-report.js';
import { functape, recordWithWrap, WORKER } from './bench-helpers.js';

let dir = '';
let db = '';
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'functape-bench-q-'));
  db = join(dir, 'rec.db');
  await recordWithWrap(db, ['sleep'], 10);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('open loop above capacity shows latency growing; closed loop hides it', {
  timeout: 90_000,
}, async () => {
  const openJson = join(dir, 'open.json');
  const closedJson = join(dir, 'closed.json');
  // At most one in flight and 1-5 ms each: well under 400/s, whatever the machine.
  const open = await functape([
    'bench',
    '--db',
    db,
    '--worker',
    WORKER,
    '--rate',
    '400',
    '--concurrency',
    '1',
    '--duration',
    '1500ms',
    '--json',
    openJson,
  ]);
  assert.equal(open.code, 0, open.stderr);
  const closed = await functape([
    'bench',
    '--db',
    db,
    '--worker',
    WORKER,
    '--concurrency',
    '1',
    '--duration',
    '1s',
    '--json',
    closedJson,
  ]);
  assert.equal(closed.code, 0, closed.stderr);
  const o = JSON.parse(readFileSync(openJson, 'utf8')) as BenchReport;
  const c = JSON.parse(readFileSync(closedJson, 'utf8')) as BenchReport;
  // Every scheduled invocation is accounted for: sent late (after the schedule's end, still
  // timed from when it was due) or, past the drain timeout, counted as backlog.
  assert.equal(o.overall.sent + o.overall.backlog, 600);
  assert.equal(o.overall.completed, o.overall.sent);
  assert.ok(o.overall.throughput < 400, `the worker could not keep up (${o.overall.throughput}/s)`);
  const points = o.timeline.filter((p) => p.completed > 0);
  assert.ok(points.length >= 2, 'answers over more than one second');
  const first = points[0]!.p50Us;
  const last = points[points.length - 1]!.p50Us;
  assert.ok(last > 1.5 * first, `latency grows over time: first second p50 ${first} µs, last ${last} µs`);
  assert.ok(
    o.overall.latency!.p50Us > 10 * c.overall.latency!.p99Us,
    `queueing is visible: open-loop p50 ${o.overall.latency!.p50Us} µs vs closed-loop p99 ${c.overall.latency!.p99Us} µs`,
  );
  assert.ok(
    o.generator.maxSendLagUs > 100_000,
    'sends were held back by the in-flight cap (and counted in latency)',
  );
});
