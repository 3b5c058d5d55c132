import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildFrames, m } from '../../../test/helpers/build-frames.js';
import { candidateFrames, extractUnits } from './units.js';
import { withEmptyBody } from './empty-body.js';

const http = (body?: string) => ({
  name: 'req',
  rpcData: {
    case: 'data',
    value: {
      data: {
        case: 'http',
        value: {
          method: 'POST',
          url: 'http://x/',
          ...(body ? { body: { data: { case: 'string', value: body } } } : {}),
        },
      },
    },
  },
});

// A session: setup, two functions loaded, three invocations (one cancelled), a status
// request, a reload, terminate.
const frames = buildFrames([
  ['toHost', 0, m('startStream', { workerId: 'w' })], // 0
  ['toWorker', 1, m('workerInitRequest', {}, 'r0')], // 1
  ['toHost', 2, m('workerInitResponse', {}, 'r0')], // 2
  ['toWorker', 3, m('functionLoadRequest', { functionId: 'f1', metadata: { name: 'hello' } }, 'r1')], // 3
  ['toWorker', 3, m('functionLoadRequest', { functionId: 'f2', metadata: { name: 'fail' } }, 'r2')], // 4
  ['toHost', 4, m('functionLoadResponse', { functionId: 'f1' }, 'r1')], // 5
  ['toHost', 4, m('functionLoadResponse', { functionId: 'f2' }, 'r2')], // 6
  ['toWorker', 5, m('invocationRequest', { invocationId: 'i1', functionId: 'f1', inputData: [http('hi')] })], // 7
  ['toWorker', 5, m('invocationRequest', { invocationId: 'i2', functionId: 'f2', inputData: [http()] })], // 8
  ['toWorker', 5, m('invocationCancel', { invocationId: 'i2' })], // 9
  ['toHost', 6, m('rpcLog', { invocationId: 'i1', message: 'x' })], // 10
  ['toHost', 6, m('invocationResponse', { invocationId: 'i1' })], // 11
  ['toHost', 6, m('invocationResponse', { invocationId: 'i2' })], // 12
  ['toWorker', 7, m('workerStatusRequest', {}, 's1')], // 13
  ['toHost', 8, m('workerStatusResponse', {}, 's1')], // 14
  ['toWorker', 9, m('functionEnvironmentReloadRequest', {}, 'e1')], // 15
  ['toHost', 9, m('functionEnvironmentReloadResponse', {}, 'e1')], // 16
  ['toWorker', 10, m('invocationRequest', { invocationId: 'i3', functionId: 'f1', inputData: [http()] })], // 17
  ['toHost', 11, m('invocationResponse', { invocationId: 'i3' })], // 18
  ['toWorker', 12, m('workerTerminate', {})], // 19
]);

test('extractUnits: invocations with their cancel and answers, status and reload units, loads per function', () => {
  const su = extractUnits(frames);
  assert.deepEqual(
    [...su.setup].sort((a, b) => a - b),
    [0, 1, 2, 19],
  );
  assert.deepEqual(Object.fromEntries(su.loads), { f1: [3, 5], f2: [4, 6] });
  assert.deepEqual(
    su.units.map((u) => [u.kind, u.seqs]),
    [
      ['invocation', [7, 10, 11]],
      ['invocation', [8, 9, 12]],
      ['status', [13, 14]],
      ['reload', [15, 16]],
      ['invocation', [17, 18]],
    ],
  );
  assert.equal(su.units[0]!.label, 'invocation hello i1');
  // Every frame is in exactly one place.
  const all = [...su.setup, ...[...su.loads.values()].flat(), ...su.units.flatMap((u) => u.seqs)];
  assert.deepEqual(
    all.sort((a, b) => a - b),
    frames.map((f) => f.seq),
  );
});

test('candidateFrames keeps setup, the kept units and only the loads their invocations need', () => {
  const su = extractUnits(frames);
  const seqs = (kept: number[]) => candidateFrames(frames, su, kept).map((f) => f.seq);
  assert.deepEqual(seqs([]), [0, 1, 2, 19]);
  assert.deepEqual(seqs([1]), [0, 1, 2, 4, 6, 8, 9, 12, 19]);
  assert.deepEqual(seqs([2, 4]), [0, 1, 2, 3, 5, 13, 14, 17, 18, 19]);
  const empty = withEmptyBody(frames[7]!.bytes)!;
  assert.equal(withEmptyBody(frames[8]!.bytes), undefined, 'no body: nothing to empty');
  assert.equal(withEmptyBody(frames[1]!.bytes), undefined, 'not an invocation');
  assert.ok(empty.length < frames[7]!.bytes.length);
  const rewritten = candidateFrames(frames, su, [0], new Map([[7, empty]]));
  assert.equal(rewritten.find((f) => f.seq === 7)!.bytes, empty);
});
