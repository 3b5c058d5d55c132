import { test } from 'node:test';
import assert from 'node:assert/strict';
import { benchLoad, resolveLoadPlan, type LoadFlags } from '../load/load-plan.js';
import { incomparabilities } from './bench-comparable.js';

const run = (flags: LoadFlags, workers = 1, functions = ['hello']) => ({ load: benchLoad(resolveLoadPlan(flags), workers), functions });
const baseline = (flags: LoadFlags, workers = 1, functions = ['hello']) => {
  const r = run(flags, workers, functions);
  return { load: r.load, functions: functions.map((name) => ({ name })) } as never;
};

test('runs compare only with the same load model and level, stages, functions and workers', () => {
  const closed32 = baseline({ concurrency: 32, duration: '10s' });
  assert.deepEqual(incomparabilities(closed32, run({ concurrency: 32, duration: '30s', warmup: '2s' })), [], 'length and warmup may differ');
  assert.deepEqual(incomparabilities(closed32, run({ rate: 1500 })), ['load: baseline closed loop with 32 in flight, this run open loop at 1500/s']);
  assert.deepEqual(incomparabilities(closed32, run({ concurrency: 8 })), ['load: baseline closed loop with 32 in flight, this run closed loop with 8 in flight']);
  assert.deepEqual(incomparabilities(baseline({ rate: 100 }), run({ rate: 200 })), ['load: baseline open loop at 100/s, this run open loop at 200/s']);
  assert.deepEqual(incomparabilities(closed32, run({ concurrency: 32 }, 2)), ['workers: baseline 1, this run 2']);
  assert.deepEqual(incomparabilities(closed32, run({ concurrency: 32 }, 1, ['hello', 'echo'])), ['functions: baseline hello, this run echo, hello']);
  assert.deepEqual(incomparabilities(baseline({ concurrency: 4, stages: '5s:10' }), run({ concurrency: 4, stages: '5s:20' })), ['stages: baseline 10 over 5s, this run 20 over 5s']);
});
