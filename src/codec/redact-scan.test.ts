import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonValue } from '@bufbuild/protobuf';
import { scanForSecrets } from './redact-scan.js';
import { createRedactor } from './redact.js';
import { encodeMessage, messageFromJson } from './streaming-message.js';

const enc = (json: object) => encodeMessage(messageFromJson(json as JsonValue));
const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';

test('credential-looking text in places the rules do not cover is named by path and signature', () => {
  const bytes = enc({
    invocationRequest: {
      invocationId: 'i',
      inputData: [
        {
          name: 'req',
          data: {
            http: {
              headers: { authorization: `Bearer ${jwt}` },
              body: {
                string:
                  'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=abcdefghijklmnopqrstuvwxyz0123456789==',
              },
              rawBody: { bytes: Buffer.from('user=ann&password=hunter22').toString('base64') },
            },
          },
        },
      ],
    },
  });
  const hints = scanForSecrets(bytes)
    .map((h) => `${h.path} ${h.signature}`)
    .sort();
  assert.deepEqual(hints, [
    'invocationRequest.inputData.*.data.http.body.string storage-account-key',
    'invocationRequest.inputData.*.data.http.headers.authorization bearer-token',
    'invocationRequest.inputData.*.data.http.headers.authorization jwt',
    'invocationRequest.inputData.*.data.http.rawBody.bytes password-assignment',
  ]);
  // After redaction the header is a marker; the body and raw body are not covered by default.
  const after = scanForSecrets(createRedactor()(bytes, 'invocationRequest')!)
    .map((h) => h.path)
    .sort();
  assert.deepEqual(after, [
    'invocationRequest.inputData.*.data.http.body.string',
    'invocationRequest.inputData.*.data.http.rawBody.bytes',
  ]);
});

test('logs and ordinary text: a logged token is found, plain text is not', () => {
  assert.deepEqual(scanForSecrets(enc({ rpcLog: { message: `got token ${jwt}` } })), [
    { path: 'rpcLog.message', signature: 'jwt' },
  ]);
  assert.deepEqual(
    scanForSecrets(
      enc({ rpcLog: { message: 'Executed hello (Succeeded, Duration=3ms) password policy ok' } }),
    ),
    [],
  );
  assert.deepEqual(scanForSecrets(enc({ rpcLog: { message: 'pwd=«redacted:1a2b3c4d:<=16»' } })), []);
  assert.deepEqual(scanForSecrets(Uint8Array.from([0xff, 0x01])), []);
  const url = enc({
    invocationRequest: {
      inputData: [
        {
          data: {
            http: {
              url: 'https://a.blob.core.windows.net/c/b?sv=2022&sig=AbCdEfGhIjKlMnOpQrSt%3D&password=hunter22',
            },
          },
        },
      ],
    },
  });
  assert.deepEqual(
    scanForSecrets(url)
      .map((h) => h.signature)
      .sort(),
    ['password-assignment', 'sas-signature'],
  );
  assert.deepEqual(
    scanForSecrets(createRedactor()(url, 'invocationRequest')!),
    [],
    'percent-encoded markers are not secrets',
  );
});
