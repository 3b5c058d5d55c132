import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pendingVerdict, type DriveResult } from './host-drive.js';

test('pendingVerdict: answers still pending are skipped after an abort or a break fault, missing otherwise', () => {
  const table: Array<[DriveResult, boolean, string, 'skipped' | 'missing']> = [
    ['aborted', false, 'replay interrupted', 'skipped'],
    ['aborted', true, 'replay interrupted', 'skipped'],
    ['broken', false, 'a break fault ended the stream first', 'skipped'],
    ['broken', true, 'a break fault ended the stream first', 'skipped'],
    ['done', false, 'no answer', 'missing'],
    ['ended', false, 'no answer', 'missing'],
    ['ended', true, 'the stream ended first', 'missing'],
  ];
  for (const [result, broken, why, pending] of table)
    assert.deepEqual(pendingVerdict(result, { broken }), { why, pending }, `${result}, broken ${broken}`);
});
