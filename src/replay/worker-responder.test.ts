import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describe } from '../codec/describe.js';
import { decodeMessage, encodeMessage, makeMessage } from '../codec/streaming-message.js';
import { planSession } from './causal-plan.js';
import { compileIgnores } from './ignore-paths.js';
import { buildFrames, m } from '../../test/helpers/build-frames.js';
import { OK, SAMPLE_SESSION } from '../../test/helpers/sample-session.js';
import { createWorkerResponder } from './worker-responder.js';

const live = (kind: string, value: object, requestId = '') =>
  encodeMessage(makeMessage(m(kind, value, requestId)));
const responder = (frames = SAMPLE_SESSION) =>
  createWorkerResponder(planSession(frames), {
    workerId: 'LW',
    requestId: 'LR',
    ignore: compileIgnores(['workerInitRequest.hostVersion']),
  });
const GA = 'aaaaaaaa-0000-0000-0000-00000000000a';
const GB = 'bbbbbbbb-0000-0000-0000-00000000000b';

test('replay worker answers each live host message from the recording, in live ids', () => {
  const r = responder();
  const [start] = r.start();
  assert.deepEqual(decodeMessage(start!.bytes).content, {
    case: 'startStream',
    value: decodeMessage(live('startStream', { workerId: 'LW' })).content.value,
  });
  assert.equal(decodeMessage(start!.bytes).requestId, 'LR');

  const init = r.receive(live('workerInitRequest', { hostVersion: '4.1' }));
  assert.equal(init.outcome.status, 'matched', 'host version is ignored');
  assert.deepEqual(
    init.answers.map((a) => [a.kind, a.delayMs]),
    [['workerInitResponse', 3]],
    'answer with its recorded service time',
  );

  // A host that indexes functions itself: fresh GUIDs, matched to the recording by name.
  const loadB = r.receive(
    live('functionLoadRequest', { functionId: GB, metadata: { name: 'b', functionId: GB } }),
  );
  assert.deepEqual(
    loadB.answers.map((a) => describe(a.bytes).functionId),
    [GB],
    'load answered with the live function id',
  );
  assert.deepEqual(loadB.outcome.differences, []);
  r.receive(live('functionLoadRequest', { functionId: GA, metadata: { name: 'a', functionId: GA } }));

  const inv = r.receive(live('invocationRequest', { invocationId: 'live-inv-2', functionId: GB }));
  assert.equal(inv.outcome.invocationId, 'i2', "matched by function: b's recorded invocation");
  assert.deepEqual(
    inv.answers.map((a) => [a.kind, describe(a.bytes).invocationId]),
    [
      ['rpcLog', 'live-inv-2'],
      ['invocationResponse', 'live-inv-2'],
    ],
    'its logs too, rewritten',
  );
  assert.deepEqual(
    inv.answers.map((a) => a.delayMs),
    [1, 2],
  );

  r.receive(live('invocationRequest', { invocationId: 'live-inv-1', functionId: GA }));
  const cancel = r.receive(live('invocationCancel', { invocationId: 'live-inv-1' }));
  assert.equal(
    cancel.outcome.status,
    'matched',
    'the cancel maps to the recorded cancel of the same invocation',
  );

  const status = r.receive(live('workerStatusRequest', {}, 'live-status'));
  assert.deepEqual(
    status.answers.map((a) => decodeMessage(a.bytes).requestId),
    ['live-status'],
    'the live request id is echoed',
  );

  const unknown = r.receive(live('fileChangeEventRequest', { fullPath: '/app/x' }));
  assert.equal(unknown.outcome.status, 'missing', 'nothing recorded to answer it with: reported');

  const bye = r.receive(live('workerTerminate', { gracePeriod: { seconds: 5n } }));
  assert.equal(bye.terminate, true);
  assert.equal(r.notReceived(), 1, 'only the recorded metadata request never came');
});

test('invocations are answered from the recorded one with the closest input, unused ones first', () => {
  const input = (name: string) => ({
    inputData: [{ name: 'req', rpcData: { case: 'data', value: { data: { case: 'string', value: name } } } }],
  });
  const frames = buildFrames([
    ['toHost', 0, m('startStream', { workerId: 'W' }, 'R')],
    [
      'toWorker',
      1,
      m('invocationRequest', { invocationId: 'rec-ada', functionId: 'hello', ...input('Ada') }),
    ],
    [
      'toWorker',
      2,
      m('invocationRequest', { invocationId: 'rec-ken', functionId: 'hello', ...input('Ken') }),
    ],
    [
      'toHost',
      3,
      m('invocationResponse', {
        invocationId: 'rec-ada',
        result: OK,
        returnValue: { data: { case: 'string', value: 'Hello, Ada!' } },
      }),
    ],
    [
      'toHost',
      4,
      m('invocationResponse', {
        invocationId: 'rec-ken',
        result: OK,
        returnValue: { data: { case: 'string', value: 'Hello, Ken!' } },
      }),
    ],
  ]);
  const r = responder(frames);
  const body = (res: ReturnType<typeof r.receive>) => {
    const c = decodeMessage(res.answers[0]!.bytes).content;
    return c.case === 'invocationResponse' && c.value.returnValue?.data.case === 'string'
      ? c.value.returnValue.data.value
      : '';
  };
  assert.equal(
    body(r.receive(live('invocationRequest', { invocationId: 'x1', functionId: 'hello', ...input('Ken') }))),
    'Hello, Ken!',
  );
  const second = r.receive(
    live('invocationRequest', { invocationId: 'x2', functionId: 'hello', ...input('Ken') }),
  );
  assert.equal(body(second), 'Hello, Ada!', 'the unused recording is taken before reusing one');
  assert.equal(second.outcome.status, 'differed', 'and the input difference is reported');
  assert.equal(
    body(r.receive(live('invocationRequest', { invocationId: 'x3', functionId: 'hello', ...input('Ken') }))),
    'Hello, Ken!',
    'then the closest again',
  );
  assert.equal(
    r.receive(live('invocationRequest', { invocationId: 'x4', functionId: 'nope' })).outcome.status,
    'missing',
  );
  const probe = r.receive(live('workerStatusRequest', {}, 'probe-1'));
  assert.deepEqual(
    probe.answers.map((a) => [a.kind, decodeMessage(a.bytes).requestId]),
    [['workerStatusResponse', 'probe-1']],
    'status probes are answered even when none was recorded',
  );
});

test('when every recording of a function is used, one is reused even if other functions still have unused ones', () => {
  const frames = buildFrames([
    ['toHost', 0, m('startStream', { workerId: 'W' }, 'R')],
    ['toWorker', 1, m('invocationRequest', { invocationId: 'rec-h', functionId: 'hello' })],
    ['toWorker', 2, m('invocationRequest', { invocationId: 'rec-n', functionId: 'noop' })],
    ['toHost', 3, m('invocationResponse', { invocationId: 'rec-h', result: OK })],
    ['toHost', 4, m('invocationResponse', { invocationId: 'rec-n', result: OK })],
  ]);
  const r = responder(frames);
  for (const id of ['x1', 'x2', 'x3']) {
    const res = r.receive(live('invocationRequest', { invocationId: id, functionId: 'hello' }));
    assert.equal(res.outcome.invocationId, 'rec-h', id);
    assert.deepEqual(
      res.answers.map((a) => describe(a.bytes).invocationId),
      [id],
    );
  }
});
