import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonValue } from '@bufbuild/protobuf';
import { createRedactor, type RedactRules } from '../codec/redact.js';
import { markerText } from '../codec/redact-marker.js';
import { createSecretMask } from '../codec/secret-mask.js';
import { encodeMessage, messageFromJson } from '../codec/streaming-message.js';
import { compareAnswer, compareLogGroup } from './compare-answers.js';
import { compileIgnores } from './ignore-paths.js';
import { diffJson } from './json-diff.js';

const enc = new TextEncoder();
const marker = (s: string, key?: string) => markerText(enc.encode(s), key);
const message = (json: Record<string, unknown>) => encodeMessage(messageFromJson(json as JsonValue));

/** An invocation carrying `secret` as its Authorization header and as a claim-free query value. */
function request(secret: string): Uint8Array {
  return message({
    invocationRequest: {
      invocationId: 'inv-1',
      functionId: 'fn-1',
      inputData: [
        {
          name: 'req',
          data: {
            http: {
              method: 'GET',
              url: `https://x/api?code=${encodeURIComponent(secret)}`,
              headers: { Authorization: secret, accept: '*/*' },
            },
          },
        },
      ],
    },
  });
}
/** As `record` with `rules` stores it. */
const stored = (bytes: Uint8Array, rules: RedactRules = {}) =>
  createRedactor(rules)(bytes, 'invocationRequest') ?? bytes;
const text = (x: unknown) => JSON.stringify(x);

test('diffJson with a mark: a recorded marker equals the same secret live; another secret differs as markers only', () => {
  const mark = createSecretMask().text;
  const table: Array<[JsonValue, JsonValue, ReturnType<typeof diffJson>]> = [
    [{ h: marker('s3cret-A') }, { h: 's3cret-A' }, []],
    [{ h: 's3cret-A' }, { h: marker('s3cret-A') }, []],
    [
      { h: marker('s3cret-A') },
      { h: 's3cret-B' },
      [{ path: 'h', recorded: marker('s3cret-A'), live: marker('s3cret-B') }],
    ],
    [
      { h: marker('s3cret-A') },
      { h: marker('s3cret-B') },
      [{ path: 'h', recorded: marker('s3cret-A'), live: marker('s3cret-B') }],
    ],
    [{ h: 'plain-a' }, { h: 'plain-b' }, [{ path: 'h', recorded: 'plain-a', live: 'plain-b' }]],
  ];
  const ignore = compileIgnores([]);
  for (const [rec, live, want] of table)
    assert.deepEqual(diffJson(rec, live, ignore, mark), want, text([rec, live]));
  // Without a mark, the old plain comparison (and the clear value in the difference).
  assert.deepEqual(diffJson({ h: marker('x') }, { h: 'x' }), [
    { path: 'h', recorded: marker('x'), live: 'x' },
  ]);
});

test('compareAnswer: a redacted recording matches the same live secret and shows a different one only as a marker', () => {
  const options = {
    ignore: compileIgnores([]),
    toRecordedSpace: (j: JsonValue) => j,
    secrets: createSecretMask(),
  };
  const recorded = stored(request('Bearer live-secret-AAAA'));
  assert.deepEqual(compareAnswer(recorded, request('Bearer live-secret-AAAA'), options), []);
  const diffs = compareAnswer(recorded, request('Bearer other-secret-BBBB'), options);
  assert.ok(diffs.length >= 2, text(diffs));
  assert.ok(
    !text(diffs).includes('live-secret-AAAA') && !text(diffs).includes('other-secret-BBBB'),
    text(diffs),
  );
  assert.ok(text(diffs).includes(marker('Bearer other-secret-BBBB')), 'the live side is shown as its marker');
  // A recording made with --redact off compares the same way: both sides are redacted first.
  assert.deepEqual(
    compareAnswer(request('Bearer live-secret-AAAA'), request('Bearer live-secret-AAAA'), options),
    [],
  );
  assert.ok(
    !text(
      compareAnswer(request('Bearer live-secret-AAAA'), request('Bearer other-secret-BBBB'), options),
    ).includes('secret-'),
  );
});

test("compareAnswer: the recording's hashKey gives the same markers; rules only the recording had still hide the live value", () => {
  const rules: RedactRules = { hashKey: 'team key 0123456789', headers: ['x-tenant'] };
  const withTenant = (secret: string) =>
    message({
      invocationRequest: {
        invocationId: 'inv-1',
        functionId: 'fn-1',
        inputData: [
          { name: 'req', data: { http: { headers: { Authorization: secret, 'x-tenant': `t-${secret}` } } } },
        ],
      },
    });
  const recorded = stored(withTenant('k-AAAA'), rules);
  const same = {
    ignore: compileIgnores([]),
    toRecordedSpace: (j: JsonValue) => j,
    secrets: createSecretMask(rules),
  };
  assert.deepEqual(compareAnswer(recorded, withTenant('k-AAAA'), same), []);
  // Replayed without the rules file: markers differ (another key), but nothing is shown in clear.
  const without = { ...same, secrets: createSecretMask() };
  const diffs = compareAnswer(recorded, withTenant('k-AAAA'), without);
  assert.ok(diffs.length > 0);
  assert.ok(!text(diffs).includes('k-AAAA'), text(diffs));
});

test('compareLogGroup: a log that carries a secret is compared and reported redacted', () => {
  const log = (secret: string) =>
    message({
      rpcLog: {
        invocationId: 'inv-1',
        message: 'handled',
        propertiesMap: { req: { http: { headers: { authorization: secret } } } },
      },
    });
  const options = {
    ignore: compileIgnores([]),
    toRecordedSpace: (j: JsonValue) => j,
    secrets: createSecretMask(),
  };
  const recorded = createRedactor({})(log('tok-AAAA'), 'rpcLog')!;
  assert.equal(compareLogGroup([recorded], [log('tok-AAAA')], options).matched, 1);
  const c = compareLogGroup([recorded], [log('tok-BBBB')], options);
  assert.equal(c.differed.length, 1);
  assert.ok(!text(c).includes('tok-'), text(c));
});
