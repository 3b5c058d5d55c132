import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { decodeMessage, encodeMessage, makeMessage } from '../codec/streaming-message.js';
import { createInvocationCloner } from './invocation-cloner.js';
import { readWorkerAnswer } from './worker-answer.js';

function recordedRequest(traceParent?: string): Uint8Array {
  return encodeMessage(makeMessage({
    content: { case: 'invocationRequest', value: {
      invocationId: 'rec-invocation-1',
      functionId: 'rec-function-1',
      inputData: [{ name: 'req', rpcData: { case: 'data', value: { data: { case: 'string', value: 'body text' } } } }],
      ...(traceParent !== undefined ? { traceContext: { traceParent, traceState: 'k=v', attributes: { OperationName: 'hello' } } } : {}),
    } },
  }));
}

test('clones carry fresh ids and trace parents and keep everything else', () => {
  const c = createInvocationCloner(recordedRequest('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'), 'live-fn-1234', randomUUID());
  assert.equal(c.recordedInvocationId, 'rec-invocation-1');
  assert.equal(c.recordedFunctionId, 'rec-function-1');
  const ids = [randomUUID(), randomUUID()];
  const clones = ids.map((id) => decodeMessage(c.clone(id)));
  const parents = new Set<string>();
  clones.forEach((m, i) => {
    assert.equal(m.content.case, 'invocationRequest');
    const r = m.content.value as Extract<typeof m.content, { case: 'invocationRequest' }>['value'];
    assert.equal(r.invocationId, ids[i]);
    assert.equal(r.functionId, 'live-fn-1234');
    assert.match(r.traceContext!.traceParent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    assert.ok(!r.traceContext!.traceParent.includes('0af7651916cd43dd'), 'a fresh trace id');
    parents.add(r.traceContext!.traceParent);
    assert.equal(r.traceContext!.traceState, 'k=v');
    assert.equal(r.traceContext!.attributes.OperationName, 'hello');
    assert.equal(r.inputData[0]!.rpcData.case === 'data' && r.inputData[0]!.rpcData.value.data.value, 'body text');
  });
  assert.equal(parents.size, 2);
});

test('a recording without a trace parent clones without one', () => {
  const c = createInvocationCloner(recordedRequest(), 'f', randomUUID());
  const m = decodeMessage(c.clone(randomUUID()));
  assert.equal(m.content.case === 'invocationRequest' && m.content.value.traceContext, undefined);
  assert.throws(() => createInvocationCloner(encodeMessage(makeMessage({ content: { case: 'workerTerminate', value: {} } })), 'f', randomUUID()), /invocationRequest/);
});

test('readWorkerAnswer reads responses, statuses and logs without decoding payloads', () => {
  const resp = (status?: number) => encodeMessage(makeMessage({ content: { case: 'invocationResponse', value: {
    invocationId: 'inv-1', returnValue: { data: { case: 'string', value: 'x'.repeat(1000) } },
    ...(status !== undefined ? { result: { status, result: 'r' } } : {}),
  } } }));
  assert.deepEqual(readWorkerAnswer(resp(1)), { kind: 'invocationResponse', invocationId: 'inv-1', status: 'Success' });
  assert.deepEqual(readWorkerAnswer(resp(0)), { kind: 'invocationResponse', invocationId: 'inv-1', status: 'Failure' });
  assert.deepEqual(readWorkerAnswer(resp(2)), { kind: 'invocationResponse', invocationId: 'inv-1', status: 'Cancelled' });
  assert.deepEqual(readWorkerAnswer(resp()), { kind: 'invocationResponse', invocationId: 'inv-1', status: 'none' });
  const log = encodeMessage(makeMessage({ content: { case: 'rpcLog', value: { invocationId: 'inv-2', message: 'hi' } } }));
  assert.deepEqual(readWorkerAnswer(log), { kind: 'rpcLog', invocationId: 'inv-2' });
  assert.deepEqual(readWorkerAnswer(encodeMessage(makeMessage({ content: { case: 'workerStatusResponse', value: {} } }))), { kind: 'other' });
  assert.deepEqual(readWorkerAnswer(new Uint8Array([0xff, 0xff, 0xff])), { kind: 'other' });
});
