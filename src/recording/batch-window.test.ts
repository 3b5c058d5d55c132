import { test } from 'node:test';
import assert from 'node:assert/strict';
import { windowStep } from './batch-window.js';

const w = { ms: 100, lightMs: 250, frames: 2048, bytes: 2 * 1024 * 1024 };

test('windowStep: full posts at once, half full posts at ms, a light batch waits until lightMs', () => {
  const rows: Array<[count: number, bytes: number, ageMs: number, wait: number]> = [
    [1, 200, 0, 100], // first event: wait the short window
    [2048, 1, 0, 0], // full by frames
    [1, 2 * 1024 * 1024, 10, 0], // full by bytes
    [1024, 1, 100, 0], // half full by frames at ms
    [1, 1024 * 1024, 100, 0], // half full by bytes at ms
    [1023, 1024 * 1024 - 1, 100, 150], // light at ms: waits until lightMs
    [200, 40_000, 100, 150],
    [200, 40_000, 250, 0], // light at lightMs: posted
    [1, 1, 300, 0],
    [0, 0, 100, 150], // session events alone are a light batch
    [5, 5, 40, 60], // a timer that fired early waits for the rest of ms
  ];
  for (const [count, bytes, ageMs, wait] of rows)
    assert.equal(windowStep(w, count, bytes, ageMs), wait, JSON.stringify({ count, bytes, ageMs }));
});

test('windowStep: lightMs not above ms keeps a fixed window', () => {
  const fixed = { ...w, lightMs: 100 };
  assert.equal(windowStep(fixed, 1, 1, 0), 100);
  assert.equal(windowStep(fixed, 1, 1, 100), 0);
});
