import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBenchRecorder } from './bench-recorder.js';

test('the last, partial second spans up to its last answer: answers in flight at the end give no spike', () => {
  const r = createBenchRecorder({
    functions: [{ name: 'f', recordedFunctionId: 'f' }],
    workers: [{ workerId: 'w', pid: null }],
  });
  // 1000 answers/s for 2.002 s of sending, then 10 answers in flight arrive over the next 10 ms.
  for (let i = 0; i < 2002; i++) r.completed(0, 0, 100, 'Success', i);
  for (let i = 1; i <= 10; i++) r.completed(0, 0, 100, 'Success', 2002 + i);
  const { timeline } = r.build(2002);
  assert.deepEqual(
    timeline.map((p) => p.second),
    [0, 1, 2],
  );
  const last = timeline[2]!;
  assert.equal(last.completed, 12);
  assert.equal(last.spanS, 0.012);
  assert.equal(last.completed / last.spanS, 1000, 'the true rate, not 12 answers over 2 ms');
  assert.deepEqual(
    timeline.slice(0, 2).map((p) => p.spanS),
    [1, 1],
  );
});

test('a second without answers inside the window keeps its span; one past it is not invented', () => {
  const r = createBenchRecorder({
    functions: [{ name: 'f', recordedFunctionId: 'f' }],
    workers: [{ workerId: 'w', pid: null }],
  });
  r.completed(0, 0, 100, 'Success', 10);
  const { timeline } = r.build(2500);
  assert.deepEqual(
    timeline.map((p) => [p.second, p.spanS, p.completed]),
    [
      [0, 1, 1],
      [1, 1, 0],
      [2, 0.5, 0],
    ],
  );
});
