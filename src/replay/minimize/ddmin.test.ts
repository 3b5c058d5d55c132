import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDdmin, split } from './ddmin.js';

/** Drive ddmin sequentially with an oracle; returns the result and how many candidates were tried. */
function drive(count: number, fails: (kept: readonly number[]) => boolean) {
  const dd = createDdmin(Array.from({ length: count }, (_, i) => i));
  let tests = 0;
  for (let batch = dd.batch(); batch; batch = dd.batch()) {
    let first: number | undefined;
    for (let i = 0; i < batch.length && first === undefined; i++) {
      tests++;
      assert.ok(batch[i]!.length > 0 && batch[i]!.length < dd.current.length, 'a proper non-empty subset');
      if (fails(batch[i]!)) first = i;
    }
    dd.answer(first);
  }
  return { kept: dd.current, tests };
}

const has =
  (...need: number[]) =>
  (kept: readonly number[]) =>
    need.every((x) => kept.includes(x));

test('split cuts into near-equal contiguous parts', () => {
  assert.deepEqual(split([1, 2, 3, 4, 5], 2), [
    [1, 2, 3],
    [4, 5],
  ]);
  assert.deepEqual(split([1, 2, 3], 3), [[1], [2], [3]]);
});

test('ddmin finds the elements a failure needs, and the result is 1-minimal', () => {
  for (const [count, need, maxTests] of [
    [2000, [10, 1500], 140],
    [2000, [7, 8], 80],
    [2000, [1999], 40],
    [100, [3, 50, 97], 160],
    [5, [0, 1, 2, 3, 4], 40],
  ] as const) {
    const fails = has(...need);
    const r = drive(count, fails);
    assert.deepEqual([...r.kept], [...need], `${count} → ${need}`);
    for (const x of r.kept) assert.equal(fails(r.kept.filter((y) => y !== x)), false);
    assert.ok(r.tests <= maxTests, `${r.tests} tests for ${need} of ${count} (at most ${maxTests})`);
  }
});

test('ddmin with any (a, later b) pair failing: shrinks to one pair', () => {
  // The state bug's shape: elements alternate kinds; a failure needs an `a` before a `b`.
  const kind = (i: number) => (i % 7 === 3 ? 'a' : i % 5 === 1 ? 'b' : 'c');
  const fails = (kept: readonly number[]) => {
    const firstA = kept.findIndex((i) => kind(i) === 'a');
    return firstA >= 0 && kept.slice(firstA).some((i) => kind(i) === 'b');
  };
  const r = drive(2000, fails);
  assert.deepEqual(r.kept.map(kind), ['a', 'b']);
  assert.ok(r.tests <= 60, `${r.tests} tests`);
});

test('ddmin: answer() without a batch is a programming error; one element is already minimal', () => {
  assert.throws(() => createDdmin([1, 2]).answer(undefined), /without a batch/);
  assert.equal(createDdmin([4]).batch(), undefined);
});
