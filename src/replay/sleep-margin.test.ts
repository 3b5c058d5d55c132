import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSleepMargin, SLEEP_MARGIN } from './sleep-margin.js';

const { WINDOW, SAFETY_MS, MIN_MS, MAX_MS, INITIAL_MS } = SLEEP_MARGIN;
const close = (a: number, b: number, msg?: string) =>
  assert.ok(Math.abs(a - b) < 1e-9, `${msg ?? ''}: ${a} ≠ ${b}`);

test('before any observation the margin is the initial one', () => {
  assert.equal(createSleepMargin().ms(), INITIAL_MS);
});

test('timers that fire early or on time shrink the margin to its minimum', () => {
  const m = createSleepMargin();
  for (let i = 0; i < 10; i++) m.observe(-0.5 + i * 0.01);
  assert.equal(m.ms(), MIN_MS);
});

test('one late outlier is ignored; a second one sets the margin to its lateness plus safety', () => {
  const m = createSleepMargin();
  for (let i = 0; i < 10; i++) m.observe(0);
  m.observe(0.9);
  assert.equal(m.ms(), MIN_MS, 'one outlier');
  m.observe(0.7);
  close(m.ms(), 0.7 + SAFETY_MS, 'second-latest + safety');
  for (let i = 0; i < 5; i++) m.observe(50);
  assert.equal(m.ms(), MAX_MS, 'never above the maximum');
});

test('only the last WINDOW observations count; non-finite ones are ignored', () => {
  const m = createSleepMargin();
  m.observe(0.8);
  m.observe(0.8);
  close(m.ms(), 0.8 + SAFETY_MS);
  for (let i = 0; i < WINDOW; i++) m.observe(-1);
  assert.equal(m.ms(), MIN_MS, 'the late ones aged out');
  m.observe(Number.NaN);
  m.observe(Number.POSITIVE_INFINITY);
  assert.equal(m.ms(), MIN_MS);
});
