import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonValue } from '@bufbuild/protobuf';
import { createRedactor } from '../codec/redact.js';
import { encodeMessage, messageFromJson } from '../codec/streaming-message.js';
import type { Duplex } from '../model/duplex.js';
import { createBenchVerifier } from './bench-verify.js';

/** An answer that sets a cookie, as the worker sends it. */
const answer = (invocationId: string, cookie: string) =>
  encodeMessage(
    messageFromJson({
      invocationResponse: {
        invocationId,
        result: { status: 'Success' },
        returnValue: { http: { statusCode: '200', headers: { 'Set-Cookie': `sid=${cookie}` } } },
      },
    } as JsonValue),
  );

test('--verify compares answers redacted: the recorded cookie matches the same one live; another differs, shown as markers', () => {
  const target = {
    duplex: {} as Duplex,
    workerId: 'w',
    pid: null,
    liveFunctionId: () => 'live-fn',
    space: { ids: { toRecorded: (id: string) => (id === 'live-fn' ? 'rec-fn' : undefined) } },
  };
  const verify = createBenchVerifier([target]);
  const recorded = createRedactor()(answer('rec-inv', 'cookie-AAAA'), 'invocationResponse');
  assert.ok(recorded, 'the recording holds the cookie as a marker');
  const template = {
    fn: 0,
    request: new Uint8Array(),
    recordedInvocationId: 'rec-inv',
    recordedFunctionId: 'rec-fn',
    answer: recorded,
    logs: [],
  };
  const live = (cookie: string) => ({
    answer: answer('live-inv', cookie),
    logs: [],
    invocationId: 'live-inv',
    target: 0,
  });
  assert.deepEqual(verify(template, live('cookie-AAAA')), []);
  const diffs = verify(template, live('cookie-BBBB'));
  assert.equal(diffs.length, 1, JSON.stringify(diffs));
  assert.match(diffs[0]!.actual, /«redacted:/);
  assert.ok(!JSON.stringify(diffs).includes('cookie-'), JSON.stringify(diffs));
});
