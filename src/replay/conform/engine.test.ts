import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessage, encodeMessage, makeMessage } from '../../codec/streaming-message.js';
import { createConformRun, type ConformEffects } from './engine.js';
import { parseScenarios, type Scenario } from './scenario.js';

const enc = (init: Parameters<typeof makeMessage>[0]) => encodeMessage(makeMessage(init));
const scenario = (steps: unknown[], extra: object = {}): Scenario =>
  parseScenarios([
    {
      name: 't.json',
      json: {
        id: 't.one',
        title: 't',
        level: 'required',
        area: 'a',
        checks: 'c',
        source: 's',
        steps,
        ...extra,
      },
    },
  ])[0]!;
let n = 0;
const ctx = { workerId: 'W', requestId: 'R', appDirectory: '/app', newGuid: () => `g${++n}` };
const kinds = (fx: ConformEffects) => fx.send.map((b) => decodeMessage(b).content.case);

test('steps in order: a send, then an expect that waits for its message and checks it', () => {
  const run = createConformRun(
    scenario([
      { send: { workerStatusRequest: {}, requestId: '{{id:s}}' } },
      { expect: 'workerStatusResponse', check: [{ path: 'requestId', is: '{{id:s}}' }] },
    ]),
    ctx,
  );
  const fx = run.start(0);
  assert.deepEqual(kinds(fx), ['workerStatusRequest']);
  const rid = decodeMessage(fx.send[0]!).requestId;
  assert.equal(fx.wakeAtMs, 10_000);
  assert.equal(
    run.receive(enc({ requestId: 'other', content: { case: 'rpcLog', value: {} } }), 10).verdict,
    undefined,
  );
  const end = run.receive(enc({ requestId: rid, content: { case: 'workerStatusResponse', value: {} } }), 20);
  assert.deepEqual(end.verdict, { status: 'pass', reason: '' });
  assert.equal(run.transcript().length, 3);
});

test('a failed check, a timeout and an exit each fail with one line naming the step', () => {
  const wrong = createConformRun(
    scenario([{ expect: 'startStream', check: [{ path: 'workerId', is: '{{workerId}}' }] }]),
    ctx,
  );
  wrong.start(0);
  const v = wrong.receive(
    enc({ requestId: '', content: { case: 'startStream', value: { workerId: 'X' } } }),
    1,
  ).verdict;
  assert.deepEqual(v, { status: 'fail', reason: 'startStream.workerId is "X", expected "W"', step: 1 });
  const slow = createConformRun(scenario([{ expect: 'startStream', within: 100 }]), ctx);
  slow.start(0);
  assert.equal(slow.poll(50).verdict, undefined);
  assert.match(slow.poll(100).verdict!.reason, /^no startStream within 0\.1 s$/);
  const gone = createConformRun(scenario([{ expect: 'startStream' }]), ctx);
  gone.start(0);
  assert.match(
    gone.exited({ code: 70, signal: null }, 5).verdict!.reason,
    /the worker exited \(code 70\) while the host waited for startStream/,
  );
});

test('absent fails on a late duplicate; a worker that exits unasked fails a finished scenario; capability skips', () => {
  const dup = createConformRun(scenario([{ absent: 'invocationResponse', for: 300, reason: 'twice' }]), ctx);
  dup.start(0);
  const v = dup.receive(
    enc({ requestId: '', content: { case: 'invocationResponse', value: { invocationId: 'i' } } }),
    10,
  ).verdict;
  assert.deepEqual(v, { status: 'fail', reason: 'twice', step: 1 });
  const quiet = createConformRun(scenario([{ wait: 10 }]), ctx);
  quiet.start(0);
  quiet.exited({ code: 0, signal: null }, 5);
  assert.match(quiet.poll(10).verdict!.reason, /exited \(code 0\) during the scenario/);
  const cap = createConformRun(
    scenario([{ expect: 'workerInitResponse' }, { wait: 10 }], {
      level: 'capability',
      capability: 'WorkerStatus',
    }),
    ctx,
  );
  cap.start(0);
  const skipped = cap.receive(
    enc({ requestId: '', content: { case: 'workerInitResponse', value: { capabilities: { X: '1' } } } }),
    1,
  );
  assert.deepEqual(skipped.verdict, {
    status: 'skipped',
    reason: 'the worker does not advertise WorkerStatus',
    step: 2,
  });
});

test('load and invoke use the indexed functions: ids from the metadata, the HTTP trigger binding by name', () => {
  const run = createConformRun(
    scenario(
      [
        { load: 'each' },
        { invoke: 'one' },
        { expect: 'invocationResponse', where: { invocationId: '{{id:one}}' } },
      ],
      { setup: 'index' },
    ),
    ctx,
  );
  run.start(0);
  run.receive(enc({ requestId: 'R', content: { case: 'startStream', value: { workerId: 'W' } } }), 1);
  run.receive(
    enc({ requestId: '', content: { case: 'workerInitResponse', value: { result: { status: 1 } } } }),
    2,
  );
  const md = { name: 'f', functionId: 'f-id', bindings: { inp: { type: 'httpTrigger', direction: 0 } } };
  const loads = run.receive(
    enc({
      requestId: '',
      content: { case: 'functionMetadataResponse', value: { functionMetadataResults: [md] } },
    }),
    3,
  );
  assert.deepEqual(kinds(loads), ['functionLoadRequest']);
  const inv = run.receive(
    enc({
      requestId: '',
      content: { case: 'functionLoadResponse', value: { functionId: 'f-id', result: { status: 1 } } },
    }),
    4,
  );
  const req = decodeMessage(inv.send[0]!).content;
  assert.ok(req.case === 'invocationRequest');
  assert.equal(req.value.functionId, 'f-id');
  assert.equal(req.value.inputData[0]!.name, 'inp');
  const done = run.receive(
    enc({
      requestId: '',
      content: { case: 'invocationResponse', value: { invocationId: req.value.invocationId } },
    }),
    5,
  );
  assert.equal(done.verdict?.status, 'pass');
});

test('a worker that indexes nothing: the named function (--function) is loaded with a fresh id; without one, skipped', () => {
  const steps = [{ load: 'auto' }, { invoke: 'one' }];
  const meta = enc({
    requestId: '',
    content: { case: 'functionMetadataResponse', value: { useDefaultMetadataIndexing: true } },
  });
  const named = createConformRun(scenario(steps, { setup: 'index' }), { ...ctx, target: 'HttpTrigger1' });
  named.start(0);
  named.receive(enc({ requestId: 'R', content: { case: 'startStream', value: { workerId: 'W' } } }), 1);
  named.receive(
    enc({ requestId: '', content: { case: 'workerInitResponse', value: { result: { status: 1 } } } }),
    2,
  );
  const load = decodeMessage(named.receive(meta, 3).send[0]!).content;
  assert.ok(load.case === 'functionLoadRequest');
  assert.equal(load.value.metadata?.name, 'HttpTrigger1');
  assert.match(load.value.functionId, /^g\d+$/);
  const none = createConformRun(scenario(steps, { setup: 'index' }), ctx);
  none.start(0);
  none.receive(enc({ requestId: 'R', content: { case: 'startStream', value: { workerId: 'W' } } }), 1);
  none.receive(
    enc({ requestId: '', content: { case: 'workerInitResponse', value: { result: { status: 1 } } } }),
    2,
  );
  const v = none.receive(meta, 3).verdict;
  assert.equal(v?.status, 'skipped');
  assert.match(v!.reason, /name one with --function/);
});
