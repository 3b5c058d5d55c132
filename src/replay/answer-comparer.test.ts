import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSecretMask } from '../codec/secret-mask.js';
import { encodeMessage, makeMessage } from '../codec/streaming-message.js';
import type { ReplayOutcome } from '../report/replay-report.js';
import { createAnswerComparer } from './answer-comparer.js';
import { compileIgnores } from './ignore-paths.js';
import { m } from '../../test/helpers/build-frames.js';

const response = (status: number) =>
  encodeMessage(makeMessage(m('invocationResponse', { invocationId: 'i', result: { status } })));
const outcome = (): ReplayOutcome => ({
  kind: 'invocationResponse',
  key: 'k',
  status: 'matched',
  differences: [],
});

test('diffs wait in the queue until drained or the queue is full; each outcome gets its final status once', () => {
  const c = createAnswerComparer(
    { ignore: compileIgnores([]), toRecordedSpace: (j) => j, secrets: createSecretMask() },
    2,
  );
  const same = outcome();
  const changed = outcome();
  const third = outcome();
  c.defer(same, response(1), response(1));
  c.defer(changed, response(1), response(2));
  assert.equal(c.pending, 2, 'under the limit: nothing compared yet');
  assert.equal(changed.differences.length, 0);
  c.defer(third, response(2), response(2));
  assert.equal(c.pending, 2, 'over the limit: the oldest ran');
  assert.equal(same.status, 'matched');
  c.drain();
  assert.equal(c.pending, 0);
  assert.equal(changed.status, 'differed');
  assert.deepEqual(
    changed.differences.map((d) => d.path),
    ['invocationResponse.result.status'],
  );
  assert.equal(third.status, 'matched');
});

test('drain(keep) leaves the newest `keep` queued', () => {
  const c = createAnswerComparer({
    ignore: compileIgnores([]),
    toRecordedSpace: (j) => j,
    secrets: createSecretMask(),
  });
  const os = [outcome(), outcome(), outcome()];
  for (const o of os) c.defer(o, response(1), response(3));
  c.drain(1);
  assert.deepEqual(
    os.map((o) => o.status),
    ['differed', 'differed', 'matched'],
  );
  assert.equal(c.pending, 1);
});
