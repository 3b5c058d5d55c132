import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describe } from '../codec/describe.js';
import { encodeMessage, makeMessage } from '../codec/streaming-message.js';
import type { Direction, StoredFrame } from '../model/frame.js';
import { createInvocationEvents } from './invocation-events.js';

type Init = Parameters<typeof makeMessage>[0];

function frame(seq: number, direction: Direction, kind: string, value: object): StoredFrame {
  const bytes = encodeMessage(makeMessage({ content: { case: kind, value } } as Init));
  return {
    ...describe(bytes),
    sessionId: 1,
    seq,
    dirSeq: seq,
    direction,
    tNs: BigInt(seq) * 1000n,
    wallMs: seq,
    compressed: false,
    bytes,
    size: bytes.length,
    redacted: false,
  };
}

test('every start gets exactly one end: an answer, a request reusing the id, or the session end', () => {
  const events = createInvocationEvents({ keepLogs: true });
  const all = [
    frame(0, 'toWorker', 'invocationRequest', { invocationId: 'a', functionId: 'f' }),
    frame(1, 'toWorker', 'invocationRequest', { invocationId: 'a', functionId: 'f' }),
    frame(2, 'toHost', 'rpcLog', { invocationId: 'a', message: 'second a' }),
    frame(3, 'toHost', 'invocationResponse', { invocationId: 'a', result: { status: 1 } }),
    frame(4, 'toHost', 'invocationResponse', { invocationId: 'stray', result: { status: 1 } }),
    frame(5, 'toWorker', 'invocationRequest', { invocationId: 'b', functionId: 'f' }),
  ].flatMap((f) => events.frame(f));
  const ends = [...all, ...events.finish({ tNs: 9000n, wallMs: 9, seq: -1 })].filter((e) => e.type === 'end');
  assert.deepEqual(
    ends.map((e) => [e.invocation.invocationId, e.invocation.start.seq, e.at.seq, e.status, e.logs.length]),
    [
      ['a', 0, 1, 'unanswered', 0],
      ['a', 1, 3, 'Success', 1],
      ['b', 5, -1, 'unanswered', 0],
    ],
  );
  assert.equal(
    all.filter((e) => e.type === 'control').length,
    1,
    'an answer to no open request is a control message',
  );
  assert.equal(events.inFlight(), 0);
});
