import { test } from 'node:test';
import assert from 'node:assert/strict';
import { durationFlag, joinDashValues, numberFlag, timerMs, NO_LIMIT_MS } from './flag-values.js';

test('durationFlag: every duration form, plain seconds, and 0 only where it means no limit', () => {
  assert.equal(durationFlag('t', '30s'), 30_000);
  assert.equal(durationFlag('t', '30'), 30_000);
  assert.equal(durationFlag('t', 30), 30_000);
  assert.equal(durationFlag('t', '1m30s'), 90_000);
  assert.equal(durationFlag('t', '0', { zero: 'allowed' }), 0);
  assert.throws(() => durationFlag('t', '0'), /^CliError: --t takes a duration > 0 \(.*got "0"\)$/);
  assert.throws(
    () => durationFlag('t', '-1s', { zero: 'allowed' }),
    /--t takes a duration ≥ 0 \(500ms, 30s, 2m, 1m30s, or plain seconds; got "-1s"\)/,
  );
  assert.throws(() => durationFlag('t', ['1s', '2s']), /give --t once/);
});

test('numberFlag: decimal text only, in range, whole when asked', () => {
  assert.equal(numberFlag('n', '8', { integer: true, min: 1 }), 8);
  assert.equal(numberFlag('n', '2.5', { min: 0 }), 2.5);
  for (const bad of ['abc', '', '0x10', '1e400', 'NaN', 'Infinity', '2.5', '0', '65']) {
    assert.throws(
      () => numberFlag('n', bad, { integer: true, min: 1, max: 64 }),
      /--n takes a whole number from 1 to 64 \(got /,
      bad,
    );
  }
});

test('timerMs: 0 and limits past what a timer holds become the longest timer', () => {
  assert.deepEqual([timerMs(0), timerMs(5), timerMs(2 ** 40)], [NO_LIMIT_MS, 5, NO_LIMIT_MS]);
});

test('joinDashValues hands a negative value to its flag, and leaves a command line after -- alone', () => {
  assert.deepEqual(joinDashValues(['host', '--answer-timeout', '-1s', '-c', '-2']), [
    'host',
    '--answer-timeout=-1s',
    '-c=-2',
  ]);
  assert.deepEqual(joinDashValues(['wrap', '--db', 'x', '--', 'w', '--t', '-1s']), [
    'wrap',
    '--db',
    'x',
    '--',
    'w',
    '--t',
    '-1s',
  ]);
  assert.deepEqual(joinDashValues(['a', '--x=-1s', '--y', 'z']), ['a', '--x=-1s', '--y', 'z']);
});

test('joinDashValues hands a lone - (stdin, stdout) to its flag', () => {
  assert.deepEqual(joinDashValues(['import', '--in', '-', '--db', 'x']), ['import', '--in=-', '--db', 'x']);
  assert.deepEqual(joinDashValues(['bench', '--json', '-']), ['bench', '--json=-']);
  assert.deepEqual(joinDashValues(['wrap', '--', 'cat', '--in', '-']), ['wrap', '--', 'cat', '--in', '-']);
});
