import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FieldDifference, ReplayReport } from '../report/replay-report.js';
import { formatIgnoreFile, learnNoise, parseIgnoreFile } from './learn-noise.js';

/** A report whose outcomes (by key) differ from the recording as given. */
function run(diffs: Record<string, FieldDifference[]>): ReplayReport {
  const outcomes = Object.entries(diffs).map(([key, differences]) => ({
    kind: 'invocationResponse',
    key,
    status: differences.length ? ('differed' as const) : ('matched' as const),
    differences,
  }));
  return {
    played: 'host',
    session: {},
    pace: 'fast',
    startedAtMs: 0,
    durationMs: 0,
    sent: 0,
    outcomes,
    counts: { matched: 0, differed: 0, missing: 0, extra: 0, skipped: 0 },
    stream: { broken: false },
  };
}

test('noise is what differs between live runs; what all runs changed alike is a real change, not noise', () => {
  const id = 'r.headers.id';
  const body = 'r.body';
  const runs = [
    run({
      a: [
        { path: id, recorded: 'x', live: 'g1' },
        { path: body, recorded: 'Hello', live: 'Hi' },
      ],
      b: [{ path: id, recorded: 'y', live: 'g2' }],
    }),
    run({
      a: [
        { path: id, recorded: 'x', live: 'g3' },
        { path: body, recorded: 'Hello', live: 'Hi' },
      ],
      b: [{ path: id, recorded: 'y', live: 'g4' }],
    }),
  ];
  assert.deepEqual(learnNoise(runs), [{ path: id, examples: ['g1', 'g3', 'g2'], answers: 2 }]);
});

test('a field that matched the recording in one run and differed in another is noise; absent values are not examples', () => {
  const runs = [
    run({ a: [] }),
    run({ a: [{ path: 'r.t', recorded: 1, live: 2 }] }),
    run({ a: [{ path: 'r.u', recorded: 'v' }] }),
  ];
  assert.deepEqual(learnNoise(runs), [
    { path: 'r.t', examples: [1, 2], answers: 1 },
    { path: 'r.u', examples: ['v'], answers: 1 },
  ]);
  assert.deepEqual(
    learnNoise([run({ a: [{ path: 'r.t', recorded: 1, live: 2 }] })]),
    [],
    'one run learns nothing',
  );
});

test('an ignore file round-trips the learned paths', () => {
  const text = formatIgnoreFile([{ path: 'a.b[0].c', examples: ['x#y'], answers: 3 }], 'learned');
  assert.deepEqual(parseIgnoreFile(text), ['a.b[0].c']);
  assert.deepEqual(parseIgnoreFile('\n# only a comment\n  x.y  \n'), ['x.y']);
});
