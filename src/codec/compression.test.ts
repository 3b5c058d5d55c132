import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync, gzipSync } from 'node:zlib';
import { decompressPayload, messageFrame } from './compression.js';
import { describe } from './describe.js';
import { encodeMessage, makeMessage } from './streaming-message.js';

const plain = encodeMessage(
  makeMessage({ content: { case: 'invocationResponse', value: { invocationId: 'inv-9' } } }),
);

test('gzip and deflate payloads are recognised and inflated', () => {
  assert.deepEqual(decompressPayload(gzipSync(plain)), Buffer.from(plain));
  assert.deepEqual(decompressPayload(deflateSync(plain)), Buffer.from(plain));
  assert.throws(() => decompressPayload(new Uint8Array([1, 2, 3])), /cannot read/);
});

test('messageFrame decompresses only compressed frames and never throws', () => {
  const f = { bytes: gzipSync(plain), compressed: true, seq: 3 };
  const m = messageFrame(f);
  assert.equal(m.compressed, false);
  assert.equal(m.seq, 3);
  assert.equal(describe(m.bytes).invocationId, 'inv-9');
  const u = { bytes: plain, compressed: false };
  assert.equal(messageFrame(u), u);
  const bad = { bytes: new Uint8Array([9, 9]), compressed: true };
  assert.equal(messageFrame(bad), bad);
});
