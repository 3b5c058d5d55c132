import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSegments, cumulativeAt, levelAt, parseStages, timeForCount } from './stages.js';

test('parseStages reads durations, targets and rate marks', () => {
  assert.deepEqual(parseStages('10s:100,30s:500,10s:0'), [
    { durationMs: 10_000, target: 100, rate: false },
    { durationMs: 30_000, target: 500, rate: false },
    { durationMs: 10_000, target: 0, rate: false },
  ]);
  assert.deepEqual(parseStages('500ms:20/s'), [{ durationMs: 500, target: 20, rate: true }]);
  for (const bad of ['', '10s', '10s:-1', 'x:5', '0s:5', '10s:abc'])
    assert.throws(() => parseStages(bad), Error, bad);
});

test('levels ramp linearly and hold after the last stage', () => {
  const seg = buildSegments(0, 0, 0, parseStages('10s:100,10s:100,10s:0'));
  const table: Array<[number, number]> = [
    [0, 0],
    [5000, 50],
    [10_000, 100],
    [15_000, 100],
    [25_000, 50],
    [30_000, 0],
    [99_000, 0],
  ];
  for (const [t, level] of table) assert.equal(levelAt(seg, t), level, `t=${t}`);
});

test('warmup holds its level before the stages start from the base', () => {
  const seg = buildSegments(2000, 40, 10, parseStages('10s:110'));
  assert.equal(levelAt(seg, 0), 40);
  assert.equal(levelAt(seg, 1999), 40);
  assert.equal(levelAt(seg, 2000), 10);
  assert.equal(levelAt(seg, 7000), 60);
  assert.equal(levelAt(seg, 50_000), 110);
});

test('cumulative counts and their inverse agree', () => {
  const seg = buildSegments(1000, 100, 0, parseStages('10s:100,5s:100,10s:0'));
  // warmup 1 s at 100/s = 100; ramp 0→100 over 10 s = 500; hold 5 s = 500; ramp down = 500
  assert.equal(cumulativeAt(seg, 1000), 100);
  assert.equal(cumulativeAt(seg, 11_000), 600);
  assert.equal(cumulativeAt(seg, 16_000), 1100);
  assert.equal(cumulativeAt(seg, 26_000), 1600);
  assert.equal(cumulativeAt(seg, 90_000), 1600);
  for (const n of [0, 1, 50, 100, 101, 350, 600, 900, 1100, 1400, 1599]) {
    const t = timeForCount(seg, n);
    assert.ok(Math.abs(cumulativeAt(seg, t) - n) < 1e-6, `n=${n} t=${t}`);
  }
  assert.equal(timeForCount(seg, 1601), Infinity, 'the rate fell to 0 for good');
  assert.equal(timeForCount(buildSegments(0, 0, 10, []), 25), 2500);
});
