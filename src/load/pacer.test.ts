import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPacer, type LoadPlan } from './pacer.js';
import { parseStages } from './stages.js';
import { resolveLoadPlan } from './load-plan.js';

const base: LoadPlan = {
  model: 'open',
  concurrency: Infinity,
  rate: 10,
  stages: [],
  warmupMs: 0,
  durationMs: 1000,
  invocations: Infinity,
};

test('open loop: a constant rate schedules sends evenly and stops at the end', () => {
  const p = createPacer(base);
  const table: Array<[elapsed: number, sent: number, wait: number, stop: boolean]> = [
    [0, 0, 0, false],
    [0, 1, 100, false],
    [50, 1, 50, false],
    [100, 1, 0, false],
    [250, 3, 50, false],
    [400, 3, 0, false], // late: send now, never wait negative
    [900, 9, 0, false],
    [900, 10, 0, true], // the 11th is due at 1000 = end
    [1500, 5, 0, false], // late (held back by the cap): still owed after the end
  ];
  for (const [elapsed, sent, wait, stop] of table) {
    assert.deepEqual(p.pace(elapsed, sent, 0), { waitMs: wait, stop }, `elapsed=${elapsed} sent=${sent}`);
  }
});

test('open loop: the schedule does not move when sends are late (no coordinated omission)', () => {
  const p = createPacer(base);
  assert.equal(p.dueAt(5), 500);
  p.pace(2000, 5, 0);
  assert.equal(p.dueAt(5), 500);
  assert.equal(p.inFlightLimit(0), Infinity);
  assert.equal(createPacer({ ...base, concurrency: 7 }).inFlightLimit(123), 7);
  assert.equal(p.scheduled(), 10);
  assert.equal(createPacer({ ...base, warmupMs: 500, durationMs: Infinity, invocations: 3 }).scheduled(), 8);
  assert.equal(createPacer({ ...base, model: 'closed' }).scheduled(), Infinity);
});

test('open loop: warmup runs first and the measured count comes after it', () => {
  const p = createPacer({ ...base, warmupMs: 500, durationMs: Infinity, invocations: 3 });
  assert.ok(p.inWarmup(499) && !p.inWarmup(500));
  // warmup has 5 sends (due 0..400); then 3 measured (500, 600, 700)
  assert.equal(p.pace(0, 7, 0).stop, false);
  assert.deepEqual(p.pace(600, 7, 0), { waitMs: 100, stop: false });
  assert.equal(p.pace(700, 8, 0).stop, true);
});

test('open loop: stages ramp the rate, and a ramp to 0 ends the run', () => {
  const p = createPacer({ ...base, rate: 0, stages: parseStages('1s:100,1s:0'), durationMs: 2000 });
  assert.equal(p.levelAt(500), 50);
  // first second: 0→100/s ramp = 50 sends, the 50th due at 1000
  assert.ok(Math.abs(p.dueAt(50) - 1000) < 1e-6);
  assert.ok(p.dueAt(10) > 400 && p.dueAt(10) < 500, 'sends bunch up later in a ramp');
  assert.equal(p.pace(1500, 99, 0).stop, false);
  assert.equal(p.pace(1500, 100, 0).stop, true);
});

test('closed loop: concurrency gates, duration or count stops', () => {
  const p = createPacer({ ...base, model: 'closed', concurrency: 4, rate: 0 });
  const table: Array<[elapsed: number, sent: number, wait: number, stop: boolean]> = [
    [0, 0, 0, false],
    [10, 1000, 0, false],
    [999, 5, 0, false],
    [1000, 5, 0, true],
  ];
  for (const [elapsed, sent, wait, stop] of table)
    assert.deepEqual(p.pace(elapsed, sent, 0), { waitMs: wait, stop });
  assert.equal(p.inFlightLimit(10), 4);
  const counted = createPacer({
    ...base,
    model: 'closed',
    concurrency: 4,
    warmupMs: 100,
    durationMs: Infinity,
    invocations: 10,
  });
  assert.equal(counted.pace(50, 30, 0).stop, false, 'warmup sends do not count');
  assert.equal(counted.pace(150, 39, 30).stop, false);
  assert.equal(counted.pace(150, 40, 30).stop, true);
});

test('closed loop: stages ramp the concurrency', () => {
  const p = createPacer({
    ...base,
    model: 'closed',
    concurrency: 0,
    stages: parseStages('10s:10,10s:0'),
    durationMs: 20_000,
  });
  const table: Array<[number, number]> = [
    [0, 0],
    [1, 1],
    [5000, 5],
    [9999, 10],
    [10_000, 10],
    [15_000, 5],
    [20_000, 0],
  ];
  for (const [t, limit] of table) assert.equal(p.inFlightLimit(t), limit, `t=${t}`);
});

test('resolveLoadPlan applies the flag rules', () => {
  assert.deepEqual(resolveLoadPlan({}), {
    model: 'closed',
    concurrency: 10,
    rate: 0,
    stages: [],
    warmupMs: 0,
    durationMs: 10_000,
    invocations: Infinity,
  });
  const open = resolveLoadPlan({ rate: 200, concurrency: 50, duration: '3s', warmup: '1s' });
  assert.equal(open.model, 'open');
  assert.equal(open.concurrency, 50);
  assert.equal(open.durationMs, 3000);
  assert.equal(open.warmupMs, 1000);
  const staged = resolveLoadPlan({ stages: '10s:100/s,30s:500/s,10s:0/s' });
  assert.equal(staged.model, 'open');
  assert.equal(staged.durationMs, 50_000);
  assert.equal(resolveLoadPlan({ invocations: 500 }).durationMs, Infinity);
  const bad: Array<[object, RegExp]> = [
    [{ duration: '1s', invocations: 5 }, /either/],
    [{ concurrency: 0 }, /concurrency/],
    [{ rate: -1 }, /rate/],
    [{ rate: 0 }, /sends nothing/],
    [{ invocations: 1.5 }, /invocations/],
    [{ stages: '1s:5,1s:0', invocations: 5 }, /never finish/],
    [{ duration: 'soon' }, /duration/],
  ];
  for (const [flags, re] of bad) assert.throws(() => resolveLoadPlan(flags), re, JSON.stringify(flags));
});

test('describeLoadPlan says what the run does', async () => {
  const { describeLoadPlan } = await import('./load-plan.js');
  assert.equal(
    describeLoadPlan(resolveLoadPlan({ concurrency: 4, duration: '2s' })),
    'closed loop, 4 in flight; 2s',
  );
  assert.equal(
    describeLoadPlan(resolveLoadPlan({ rate: 100, concurrency: 5, invocations: 50, warmup: '1s' })),
    'open loop at 100/s, at most 5 in flight; 50 invocations after 1s warmup',
  );
  assert.equal(
    describeLoadPlan(resolveLoadPlan({ stages: '10s:100/s,5s:0/s' })),
    'open loop, rate 0/s → 100/s over 10s → 0/s over 5s; 15s',
  );
  assert.equal(
    describeLoadPlan(resolveLoadPlan({ stages: '1s:8,1s:1' })),
    'closed loop, concurrency 0 → 8 over 1s → 1 over 1s; 2s',
  );
});
