// The live progress line: one line rewritten in place, cleared before the summary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createProgressLine } from '../src/cli/bench-progress.js';
import { resolveLoadPlan } from '../src/load/load-plan.js';

test('the progress line rewrites itself and is cleared at the end', () => {
  let out = '';
  const sink = new Writable({
    write: (c, _e, cb) => {
      out += String(c);
      cb();
    },
  });
  const line = createProgressLine(sink, resolveLoadPlan({ rate: 500, duration: '10s', warmup: '2s' }));
  line.phase('starting 2 worker(s)');
  line.update({
    elapsedMs: 1000,
    phase: 'warmup',
    completed: 0,
    errors: 0,
    p99Us: 0,
    recentRate: 480.4,
    inFlight: 3,
    level: 500,
  });
  line.update({
    elapsedMs: 5500,
    phase: 'measure',
    completed: 1700,
    errors: 2,
    p99Us: 1234,
    recentRate: 499.6,
    inFlight: 1,
    level: 500,
  });
  line.done();
  const frames = out.split('\r\x1b[2K');
  assert.deepEqual(frames[0], '', 'every frame starts by clearing the line');
  assert.match(frames[1]!, /starting 2 worker/);
  assert.match(frames[2]!, /warmup\s+1\.0\/12s\s+480 inv\/s \(target 500\/s\)\s+p99 -/);
  assert.match(
    frames[3]!,
    /measure 5\.5\/12s\s+500 inv\/s .*p99 1\.23ms\s+1700 measured\s+1 in flight\s+.*2 errors/,
  );
  assert.equal(frames[4], '', 'cleared at the end');
  assert.ok(!out.includes('\n'), 'never a new line');
});
