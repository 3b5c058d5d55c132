import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeMessage, makeMessage } from './streaming-message.js';
import { workerTerminateGraceMs } from './worker-terminate.js';

test('a WorkerTerminate is recognised with its grace period; anything else is not', () => {
  const enc = (init: Parameters<typeof makeMessage>[0]) => encodeMessage(makeMessage(init));
  assert.equal(
    workerTerminateGraceMs(
      enc({
        content: { case: 'workerTerminate', value: { gracePeriod: { seconds: 5n, nanos: 250_000_000 } } },
      }),
    ),
    5250,
  );
  assert.equal(
    workerTerminateGraceMs(enc({ requestId: 'r', content: { case: 'workerTerminate', value: {} } })),
    0,
  );
  assert.equal(
    workerTerminateGraceMs(enc({ requestId: 'r', content: { case: 'workerStatusRequest', value: {} } })),
    undefined,
  );
  assert.equal(
    workerTerminateGraceMs(enc({ content: { case: 'invocationRequest', value: { invocationId: 'i' } } })),
    undefined,
  );
  assert.equal(workerTerminateGraceMs(Uint8Array.of(0xff, 0xff, 0xff)), undefined);
  assert.equal(workerTerminateGraceMs(new Uint8Array(0)), undefined);
});
