import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWorkerBugs, WORKER_BUGS } from './worker-bugs.js';

test('parseWorkerBugs reads NAME and NAME=ARG, and refuses unknown names and bad arguments', () => {
  assert.deepEqual(parseWorkerBugs([]), {});
  assert.deepEqual(parseWorkerBugs(['state', 'concurrency=3']), { state: true, concurrency: 3 });
  for (const [spec, why] of [
    ['nope', /unknown bug "nope"/],
    ['state=1', /takes no argument/],
    ['concurrency', /needs =N/],
    ['concurrency=0', /integer >= 1/],
    ['concurrency=x', /integer >= 1/],
  ] as const)
    assert.throws(() => parseWorkerBugs([spec]), why);
  assert.ok(WORKER_BUGS.every((b) => b.doc.length > 0));
});
