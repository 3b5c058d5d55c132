import { test } from 'node:test';
import assert from 'node:assert/strict';
import { incomparabilities } from './bench-comparable.js';
import type { BenchLoad } from './bench-report.js';

/** A report's `load` as bench writes it for these flags (the parts compared). */
interface Flags {
  concurrency?: number;
  rate?: number;
  stages?: string;
  duration?: string;
  warmup?: string;
}
const load = (f: Flags, workers: number): BenchLoad => ({
  model: f.rate !== undefined ? 'open' : 'closed',
  concurrency: f.rate !== undefined ? null : (f.concurrency ?? 10),
  rate: f.rate ?? null,
  stages: (f.stages ?? '')
    .split(',')
    .filter(Boolean)
    .map((s) => ({ durationMs: parseFloat(s) * 1000, target: Number(s.split(':')[1]) })),
  warmupMs: f.warmup ? parseFloat(f.warmup) * 1000 : 0,
  durationMs: f.duration ? parseFloat(f.duration) * 1000 : 10_000,
  invocations: null,
  workers,
  description: '',
});
const run = (flags: Flags, workers = 1, functions = ['hello']) => ({ load: load(flags, workers), functions });
const baseline = (flags: Flags, workers = 1, functions = ['hello']) =>
  ({ load: load(flags, workers), functions: functions.map((name) => ({ name })) }) as never;

test('runs compare only with the same load model and level, stages, functions and workers', () => {
  const closed32 = baseline({ concurrency: 32, duration: '10s' });
  assert.deepEqual(
    incomparabilities(closed32, run({ concurrency: 32, duration: '30s', warmup: '2s' })),
    [],
    'length and warmup may differ',
  );
  assert.deepEqual(incomparabilities(closed32, run({ rate: 1500 })), [
    'load: baseline closed loop with 32 in flight, this run open loop at 1500/s',
  ]);
  assert.deepEqual(incomparabilities(closed32, run({ concurrency: 8 })), [
    'load: baseline closed loop with 32 in flight, this run closed loop with 8 in flight',
  ]);
  assert.deepEqual(incomparabilities(baseline({ rate: 100 }), run({ rate: 200 })), [
    'load: baseline open loop at 100/s, this run open loop at 200/s',
  ]);
  assert.deepEqual(incomparabilities(closed32, run({ concurrency: 32 }, 2)), [
    'workers: baseline 1, this run 2',
  ]);
  assert.deepEqual(incomparabilities(closed32, run({ concurrency: 32 }, 1, ['hello', 'echo'])), [
    'functions: baseline hello, this run echo, hello',
  ]);
  assert.deepEqual(
    incomparabilities(
      baseline({ concurrency: 4, stages: '5s:10' }),
      run({ concurrency: 4, stages: '5s:20' }),
    ),
    ['stages: baseline 10 over 5s, this run 20 over 5s'],
  );
});
