import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPace, paceWait, parsePace, type Pace } from './pace.js';

test('parsePace accepts recorded, fast and <N>x', () => {
  const table: Array<[string, Pace]> = [
    ['recorded', { mode: 'recorded' }],
    ['1x', { mode: 'recorded' }],
    ['fast', { mode: 'fast' }],
    ['FAST', { mode: 'fast' }],
    ['10x', { mode: 'scaled', factor: 10 }],
    ['0.5x', { mode: 'scaled', factor: 0.5 }],
    ['.25x', { mode: 'scaled', factor: 0.25 }],
  ];
  for (const [text, want] of table) assert.deepEqual(parsePace(text), want, text);
});

test('parsePace rejects what is not a pace, with a one-line error', () => {
  for (const bad of ['', 'x', '0x', '-2x', '10', 'slow', '10xx', 'Infinityx']) {
    assert.throws(
      () => parsePace(bad),
      (err: Error) => /invalid pace/.test(err.message) && !err.message.includes('\n'),
      bad,
    );
  }
});

test('formatPace round-trips', () => {
  for (const p of ['recorded', 'fast', '10x', '0.5x']) assert.equal(formatPace(parsePace(p)), p);
});

test('paceWait keeps, scales or drops the recorded delay after the release', () => {
  const recorded = parsePace('recorded');
  const fast = parsePace('fast');
  const ten = parsePace('10x');
  const half = parsePace('0.5x');
  // [now, releasedAt, recordedDelay, pace, wait]
  const table: Array<[number, number, number, Pace, number]> = [
    [1000, 1000, 50, recorded, 50],
    [1020, 1000, 50, recorded, 30],
    [1050, 1000, 50, recorded, 0],
    [1200, 1000, 50, recorded, 0], // late: send at once, never negative
    [1000, 1000, 50, fast, 0],
    [1000, 1000, 1e9, fast, 0],
    [1000, 1000, 50, ten, 5],
    [1003, 1000, 50, ten, 2],
    [1000, 1000, 50, half, 100],
    [1000, 1000, 0, recorded, 0],
    [1000, 1000, -5, recorded, 0], // clock skew in a recording never means "wait negative"
    [990, 1000, 0, recorded, 10], // released in the future (the caller's choice): wait until then
  ];
  for (const [now, rel, delay, pace, want] of table) {
    assert.ok(
      Math.abs(paceWait(now, rel, delay, pace) - want) < 1e-9,
      `${now} ${rel} ${delay} ${formatPace(pace)} → ${want}`,
    );
  }
});
