import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, parseDuration } from './duration.js';

test('parseDuration reads the usual forms', () => {
  const table: Array<[string, number]> = [
    ['30s', 30_000],
    ['500ms', 500],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1.5s', 1500],
    ['1m30s', 90_000],
    ['5', 5000],
    ['250us', 0.25],
    [' 10s ', 10_000],
    ['0s', 0],
  ];
  for (const [text, ms] of table) assert.equal(parseDuration(text), ms, text);
});

test('parseDuration rejects what it cannot read', () => {
  for (const bad of ['', 'abc', '10 seconds', '-5s', '5x', 's', '1m30']) {
    assert.throws(() => parseDuration(bad), /duration/, bad);
  }
});

test('formatDuration is short and readable', () => {
  assert.equal(formatDuration(850), '850ms');
  assert.equal(formatDuration(1500), '1.50s');
  assert.equal(formatDuration(12_500), '12.5s');
  assert.equal(formatDuration(125_000), '2m05s');
});
