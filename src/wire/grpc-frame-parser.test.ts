import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createGrpcFrameParser, frameGrpcMessage } from './grpc-frame-parser.js';

interface Got {
  compressed: boolean;
  bytes: Uint8Array;
}

function collect(maxMessageBytes?: number) {
  const got: Got[] = [];
  const oversize: number[] = [];
  const parser = createGrpcFrameParser({
    onMessage: (compressed, bytes) => got.push({ compressed, bytes }),
    ...(maxMessageBytes === undefined ? {} : { maxMessageBytes }),
    onOversize: (length) => oversize.push(length),
  });
  return { parser, got, oversize };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A deterministic pseudo-random generator (tests must repeat). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 0x100000000;
}

const samples = [
  new Uint8Array([]),
  new Uint8Array([1]),
  new Uint8Array([0x0a, 0x03, 0x61, 0x62, 0x63]),
  new Uint8Array(4),
  new Uint8Array(70_000).map((_, i) => i & 0xff),
  new Uint8Array([]),
];

test('whole messages in one chunk, including 0-byte ones, come out in order', () => {
  const { parser, got } = collect();
  parser.push(concat(samples.map((s) => frameGrpcMessage(s))));
  assert.equal(got.length, samples.length);
  got.forEach((g, i) => assert.deepEqual(g.bytes, samples[i]));
  assert.equal(parser.pendingBytes, 0);
  assert.equal(parser.messages, samples.length);
});

test('any split of the stream, down to single bytes, gives the same messages', () => {
  const stream = concat(samples.map((s, i) => frameGrpcMessage(s, i % 2 === 1)));
  const rand = lcg(7);
  for (let round = 0; round < 200; round++) {
    const { parser, got } = collect();
    let at = 0;
    const maxPiece = round < 5 ? 1 : 1 + Math.floor(rand() * (round < 100 ? 9 : 20_000));
    while (at < stream.length) {
      const n = Math.min(stream.length - at, 1 + Math.floor(rand() * maxPiece));
      parser.push(stream.subarray(at, at + n));
      at += n;
    }
    assert.equal(got.length, samples.length, `round ${round}`);
    got.forEach((g, i) => {
      assert.deepEqual(g.bytes, samples[i]);
      assert.equal(g.compressed, i % 2 === 1);
    });
    assert.equal(parser.pendingBytes, 0);
  }
});

test('emitted bytes are exact copies the consumer owns', () => {
  const { parser, got } = collect();
  const chunk = concat([frameGrpcMessage(new Uint8Array([5, 6, 7])), frameGrpcMessage(new Uint8Array([8]))]);
  parser.push(chunk);
  chunk.fill(0);
  assert.deepEqual([...got[0]!.bytes], [5, 6, 7]);
  for (const g of got) {
    assert.equal(g.bytes.byteOffset, 0);
    assert.equal(g.bytes.buffer.byteLength, g.bytes.length);
  }
});

test('pendingBytes reports a partial prefix and a partial body', () => {
  const { parser, got } = collect();
  const framed = frameGrpcMessage(new Uint8Array(10).fill(3));
  parser.push(framed.subarray(0, 3));
  assert.equal(parser.pendingBytes, 3);
  parser.push(framed.subarray(3, 9));
  assert.equal(parser.pendingBytes, 9);
  assert.equal(got.length, 0);
  parser.push(framed.subarray(9));
  assert.equal(parser.pendingBytes, 0);
  assert.equal(got.length, 1);
});

test('a 64 MiB message in 16 KiB chunks comes out intact', () => {
  const size = 64 * 1024 * 1024;
  const payload = new Uint8Array(size);
  for (let i = 0; i < size; i += 4096) payload[i] = (i >>> 12) & 0xff;
  payload[size - 1] = 0xee;
  const stream = frameGrpcMessage(payload);
  const { parser, got } = collect();
  for (let at = 0; at < stream.length; at += 16_384) parser.push(stream.subarray(at, at + 16_384));
  assert.equal(got.length, 1);
  assert.equal(got[0]!.bytes.length, size);
  assert.ok(Buffer.from(got[0]!.bytes.buffer).equals(Buffer.from(payload.buffer)));
});

test('a message over maxMessageBytes is skipped, reported, and the next one still parses', () => {
  const { parser, got, oversize } = collect(100);
  const stream = concat([
    frameGrpcMessage(new Uint8Array(101).fill(1)),
    frameGrpcMessage(new Uint8Array([42])),
  ]);
  for (let at = 0; at < stream.length; at += 7) parser.push(stream.subarray(at, at + 7));
  assert.deepEqual(oversize, [101]);
  assert.equal(got.length, 1);
  assert.deepEqual([...got[0]!.bytes], [42]);
  assert.equal(parser.messages, 2);
});

test('the length prefix is read as unsigned 32-bit big-endian', () => {
  const { parser, oversize } = collect(10);
  parser.push(new Uint8Array([0, 0xff, 0xff, 0xff, 0xff]));
  assert.deepEqual(oversize, [0xffffffff]);
  assert.equal(parser.pendingBytes, 5);
});

test('views: messages inside one chunk are views of it, split ones are copies, all equal', () => {
  const stream = concat(samples.map((s, i) => frameGrpcMessage(s, i % 2 === 1)));
  const rand = lcg(11);
  for (let round = 0; round < 60; round++) {
    const got: Got[] = [];
    const parser = createGrpcFrameParser({
      views: true,
      onMessage: (compressed, bytes) => got.push({ compressed, bytes }),
    });
    const chunks: Uint8Array[] = [];
    let at = 0;
    const maxPiece = round === 0 ? stream.length : 1 + Math.floor(rand() * (round < 30 ? 12 : 80_000));
    while (at < stream.length) {
      const n = Math.min(stream.length - at, 1 + Math.floor(rand() * maxPiece));
      // Each chunk in its own buffer at an offset, as node:http2 hands out slices of a read.
      const backing = new Uint8Array(n + 3);
      backing.set(stream.subarray(at, at + n), 3);
      const chunk = backing.subarray(3);
      chunks.push(chunk);
      parser.push(chunk);
      at += n;
    }
    assert.equal(got.length, samples.length, `round ${round}`);
    const pushed = new Set(chunks.map((c) => c.buffer));
    got.forEach((g, i) => {
      assert.ok(Buffer.from(g.bytes).equals(samples[i]!), `round ${round} message ${i}: equal`);
      assert.equal(g.compressed, i % 2 === 1);
      const inChunk = pushed.has(g.bytes.buffer);
      const copy = g.bytes.byteOffset === 0 && g.bytes.buffer.byteLength === g.bytes.length;
      assert.ok(inChunk || copy, `round ${round} message ${i}: a view of a pushed chunk or an exact copy`);
    });
    assert.equal(parser.pendingBytes, 0);
    assert.equal(parser.messages, samples.length);
  }
  // One chunk holding everything: every message is a view, nothing is allocated per message.
  const got: Uint8Array[] = [];
  const parser = createGrpcFrameParser({ views: true, onMessage: (_c, bytes) => got.push(bytes) });
  parser.push(stream);
  assert.ok(got.every((b) => b.buffer === stream.buffer));
});

test('views: an oversize message inside one chunk is still skipped, not emitted', () => {
  const got: Uint8Array[] = [];
  const oversize: number[] = [];
  const parser = createGrpcFrameParser({
    views: true,
    maxMessageBytes: 10,
    onMessage: (_c, b) => got.push(b),
    onOversize: (n) => oversize.push(n),
  });
  parser.push(concat([frameGrpcMessage(new Uint8Array(11)), frameGrpcMessage(new Uint8Array([1, 2]))]));
  assert.deepEqual(oversize, [11]);
  assert.deepEqual(
    got.map((b) => [...b]),
    [[1, 2]],
  );
  assert.equal(parser.messages, 2);
});
