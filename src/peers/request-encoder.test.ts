import { test } from 'node:test';
import assert from 'node:assert/strict';
import { equals } from '@bufbuild/protobuf';
import {
  decodeMessage,
  encodeMessage,
  makeMessage,
  StreamingMessageSchema,
} from '../codec/streaming-message.js';
import { invocationRequest, planInvocation, type PlanOptions } from './invocation-plan.js';
import { createRequestEncoder } from './request-encoder.js';

const options: PlanOptions = { logCount: 3, bigMb: 0.5, cancelEvery: 2, rawBodyBytes: true };

test('the cached encoder gives the same message as the ordinary build, for every function and repeat', () => {
  const encode = createRequestEncoder();
  let i = 0;
  for (const fn of ['echo', 'hello', 'sleep', 'fail', 'log', 'big', 'noop', 'other']) {
    for (let n = 0; n < 4; n++) {
      for (const rawBodyBytes of [true, false]) {
        const plan = planInvocation(fn, n, { ...options, rawBodyBytes });
        const ids = {
          invocationId: `inv-${++i}`,
          functionId: fn,
          traceId: 'a'.repeat(32),
          spanId: 'b'.repeat(16),
          randGuid: `r-${i}`,
          utcNow: '2026-01-01T00:00:00.000Z',
        };
        const fast = decodeMessage(encode(plan, ids, { ...options, rawBodyBytes }));
        const slow = decodeMessage(
          encodeMessage(makeMessage(invocationRequest(plan, ids, { ...options, rawBodyBytes }))),
        );
        assert.ok(equals(StreamingMessageSchema, fast, slow), `${fn} #${n} raw=${rawBodyBytes}`);
        assert.equal(
          fast.content.case === 'invocationRequest' && fast.content.value.invocationId,
          `inv-${i}`,
        );
      }
    }
  }
});
