import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeGrpcMessage,
  encodeGrpcMessage,
  forwardableHeaders,
  headersToMetadata,
  statusFromHeaders,
  statusTrailers,
} from './relay-headers.js';

test('grpc-message percent-encoding round-trips non-ASCII, % and edge spaces', () => {
  for (const text of [
    'plain text',
    'ümlaut & 100% sure',
    ' leading and trailing ',
    'line\nbreak',
    '',
    '日本語',
  ]) {
    const encoded = encodeGrpcMessage(text);
    assert.match(encoded, /^[\x21-\x7e]?[\x20-\x7e]*$/, `printable ASCII only: ${encoded}`);
    assert.ok(!encoded.startsWith(' ') && !encoded.endsWith(' '));
    assert.equal(decodeGrpcMessage(encoded), text);
  }
  assert.equal(encodeGrpcMessage('a%b'), 'a%25b');
  assert.equal(decodeGrpcMessage('broken %zz'), 'broken %zz', 'a malformed escape is kept as is');
});

test('forwardable headers drop pseudo and connection headers, keep :status only when asked', () => {
  const headers = {
    ':path': '/x',
    ':status': '200',
    te: 'trailers',
    connection: 'keep-alive',
    'x-a': ['1', '2'],
    'content-type': 'application/grpc',
  };
  assert.deepEqual(forwardableHeaders(headers as never), {
    te: 'trailers',
    'x-a': ['1', '2'],
    'content-type': 'application/grpc',
  });
  assert.deepEqual(forwardableHeaders(headers as never, true), {
    ':status': '200',
    te: 'trailers',
    'x-a': ['1', '2'],
    'content-type': 'application/grpc',
  });
  assert.deepEqual(headersToMetadata(headers as never), {
    te: ['trailers'],
    connection: ['keep-alive'],
    'x-a': ['1', '2'],
    'content-type': ['application/grpc'],
  });
});

test('status from trailers: code, decoded details, other entries as metadata; none without grpc-status', () => {
  assert.equal(statusFromHeaders({ ':status': 200, 'content-type': 'application/grpc' } as never), null);
  assert.deepEqual(
    statusFromHeaders({
      'grpc-status': '9',
      'grpc-message': 'no%20way %C3%BC',
      'x-why': 'because',
      date: 'x',
      'content-type': 'application/grpc',
    } as never),
    {
      code: 9,
      details: 'no way ü',
      metadata: { 'x-why': ['because'] },
    },
  );
  assert.deepEqual(statusFromHeaders({ 'grpc-status': 'bogus' } as never), { code: 2, details: '' });
  const status = { code: 14, details: ' spaced ', metadata: { 'x-m': ['a', 'b'] } };
  assert.deepEqual(
    statusFromHeaders(statusTrailers(status) as never),
    status,
    'statusTrailers and statusFromHeaders are inverse',
  );
});
