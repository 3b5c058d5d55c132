import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildFrames, m } from '../../test/helpers/build-frames.js';
import { collectBenchSource } from './bench-source.js';

/**
 * A session as `functape host --cancel-every` records it: a long sleep cancelled at once
 * (answered Cancelled), a cancel that came after its answer (no effect), a cancel never
 * answered, and plain invocations.
 */
const frames = buildFrames([
  ['toWorker', 0, m('functionLoadRequest', { functionId: 'f-sleep', metadata: { name: 'sleep' } })],
  ['toWorker', 0, m('functionLoadRequest', { functionId: 'f-echo', metadata: { name: 'echo' } })],
  ['toWorker', 1, m('invocationRequest', { invocationId: 'short', functionId: 'f-sleep' })],
  ['toWorker', 2, m('invocationRequest', { invocationId: 'long', functionId: 'f-sleep' })],
  ['toWorker', 2, m('invocationCancel', { invocationId: 'long' })],
  ['toHost', 3, m('invocationResponse', { invocationId: 'short', result: { status: 1 } })],
  ['toHost', 3, m('invocationResponse', { invocationId: 'long', result: { status: 2 } })],
  ['toWorker', 4, m('invocationRequest', { invocationId: 'echo1', functionId: 'f-echo' })],
  ['toHost', 5, m('invocationResponse', { invocationId: 'echo1', result: { status: 1 } })],
  ['toWorker', 6, m('invocationCancel', { invocationId: 'echo1' })],
  ['toWorker', 7, m('invocationRequest', { invocationId: 'lost', functionId: 'f-echo' })],
  ['toWorker', 8, m('invocationCancel', { invocationId: 'lost' })],
]);

test('invocations the host cancelled before their answer are left out and counted', () => {
  const s = collectBenchSource(frames);
  assert.deepEqual(
    s.templates.map((t) => t.recordedInvocationId),
    ['short', 'echo1'],
  );
  assert.equal(s.cancelledLeftOut, 2);
  const sleeps = collectBenchSource(frames, ['sleep']);
  assert.deepEqual(
    sleeps.templates.map((t) => t.recordedInvocationId),
    ['short'],
  );
  assert.equal(sleeps.cancelledLeftOut, 1);
});

test('a selection of only cancelled invocations is refused', () => {
  const onlyCancelled = frames.filter((f) => f.invocationId !== 'short' && f.invocationId !== 'echo1');
  assert.throws(
    () => collectBenchSource(onlyCancelled),
    /every recorded invocation was cancelled by the host/,
  );
});
