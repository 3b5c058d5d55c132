import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessage, encodeMessage, makeMessage } from '../codec/streaming-message.js';
import { createInvocationCloner } from './invocation-cloner.js';
import { createInvocationIds } from './invocation-ids.js';
import { ANSWER_RESPONSE, newAnswerScan, readWorkerAnswer, scanWorkerAnswer } from './worker-answer.js';

function recordedRequest(traceParent?: string): Uint8Array {
  return encodeMessage(
    makeMessage({
      content: {
        case: 'invocationRequest',
        value: {
          invocationId: 'rec-invocation-1',
          functionId: 'rec-function-1',
          inputData: [
            {
              name: 'req',
              rpcData: { case: 'data', value: { data: { case: 'string', value: 'body text' } } },
            },
          ],
          ...(traceParent !== undefined
            ? { traceContext: { traceParent, traceState: 'k=v', attributes: { OperationName: 'hello' } } }
            : {}),
        },
      },
    }),
  );
}

test('clones carry fresh ids and trace parents and keep everything else', () => {
  const idSpace = createInvocationIds();
  const c = createInvocationCloner(
    recordedRequest('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'),
    'live-fn-1234',
    idSpace,
  );
  assert.equal(c.recordedInvocationId, 'rec-invocation-1');
  assert.equal(c.recordedFunctionId, 'rec-function-1');
  const seqs = [1, 0xabcdef];
  const ids = seqs.map((n) => idSpace.id(n));
  const clones = seqs.map((n) => decodeMessage(c.clone(n)));
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
    assert.equal(
      r.inputData[0]!.rpcData.case === 'data' && r.inputData[0]!.rpcData.value.data.value,
      'body text',
    );
  });
  assert.equal(parents.size, 2);
});

test('a recording without a trace parent clones without one', () => {
  const c = createInvocationCloner(recordedRequest(), 'f', createInvocationIds());
  const m = decodeMessage(c.clone(7));
  assert.equal(m.content.case === 'invocationRequest' && m.content.value.traceContext, undefined);
  assert.throws(
    () =>
      createInvocationCloner(
        encodeMessage(makeMessage({ content: { case: 'workerTerminate', value: {} } })),
        'f',
        createInvocationIds(),
      ),
    /invocationRequest/,
  );
});

test('readWorkerAnswer reads responses, statuses and logs without decoding payloads', () => {
  const resp = (status?: number) =>
    encodeMessage(
      makeMessage({
        content: {
          case: 'invocationResponse',
          value: {
            invocationId: 'inv-1',
            returnValue: { data: { case: 'string', value: 'x'.repeat(1000) } },
            ...(status !== undefined ? { result: { status, result: 'r' } } : {}),
          },
        },
      }),
    );
  assert.deepEqual(readWorkerAnswer(resp(1)), {
    kind: 'invocationResponse',
    invocationId: 'inv-1',
    status: 'Success',
  });
  assert.deepEqual(readWorkerAnswer(resp(0)), {
    kind: 'invocationResponse',
    invocationId: 'inv-1',
    status: 'Failure',
  });
  assert.deepEqual(readWorkerAnswer(resp(2)), {
    kind: 'invocationResponse',
    invocationId: 'inv-1',
    status: 'Cancelled',
  });
  assert.deepEqual(readWorkerAnswer(resp()), {
    kind: 'invocationResponse',
    invocationId: 'inv-1',
    status: 'none',
  });
  const log = encodeMessage(
    makeMessage({ content: { case: 'rpcLog', value: { invocationId: 'inv-2', message: 'hi' } } }),
  );
  assert.deepEqual(readWorkerAnswer(log), { kind: 'rpcLog', invocationId: 'inv-2' });
  assert.deepEqual(
    readWorkerAnswer(encodeMessage(makeMessage({ content: { case: 'workerStatusResponse', value: {} } }))),
    { kind: 'other' },
  );
  assert.deepEqual(readWorkerAnswer(new Uint8Array([0xff, 0xff, 0xff])), { kind: 'other' });
});

test('invocation ids: GUID-shaped, distinct per run and per invocation, read back from bytes', () => {
  const a = createInvocationIds();
  const b = createInvocationIds();
  assert.notEqual(a.prefix, b.prefix, 'random per run');
  const GUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  for (const n of [0, 1, 255, 2 ** 32 + 5, 2 ** 48 - 1]) {
    const id = a.id(n);
    assert.match(id, GUID4);
    const buf = Buffer.from(`xx${a.prefix}000000000000yy`, 'latin1');
    a.writeSeq(buf, 2 + 24, n);
    assert.equal(buf.toString('latin1', 2, 38), id);
    assert.equal(a.seqOf(buf, 2, 36), n);
    assert.equal(b.seqOf(buf, 2, 36), -1, 'another run does not claim it');
  }
  assert.equal(new Set([0, 1, 2, 3].map((n) => a.id(n))).size, 4);
  assert.equal(a.seqOf(Buffer.from(a.id(3)), 0, 35), -1);
  assert.equal(a.seqOf(Buffer.from(`${a.prefix}zzzzzzzzzzzz`), 0, 36), -1);
  assert.throws(() => a.writeSeq(Buffer.alloc(40), 0, -1), RangeError);
});

test('scanWorkerAnswer points at the id bytes and reads the status number', () => {
  const bytes = encodeMessage(
    makeMessage({
      content: { case: 'invocationResponse', value: { invocationId: 'abc', result: { status: 2 } } },
    }),
  );
  const s = scanWorkerAnswer(bytes, newAnswerScan());
  assert.equal(s.kind, ANSWER_RESPONSE);
  assert.equal(s.status, 2);
  assert.equal(Buffer.from(bytes).toString('latin1', s.idStart, s.idStart + s.idLen), 'abc');
});
