import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBatchBuilder, framesPerSession, readBatch, type BatchControl } from './frame-batch.js';
import type { Frame } from '../model/frame.js';

const frame = (sessionId: number, seq: number, size: number): Frame => ({
  sessionId,
  seq,
  dirSeq: seq >> 1,
  direction: seq % 2 ? 'toWorker' : 'toHost',
  tNs: 2n ** 60n + BigInt(seq),
  wallMs: 1_700_000_000_000.123 + seq,
  compressed: seq === 3,
  bytes: new Uint8Array(size).fill(seq & 0xff),
});

test('a batch carries frames (bytes copied, growing past the initial capacity) and session events in order', () => {
  const b = createBatchBuilder(2, 16);
  assert.equal(b.empty, true);
  const start: BatchControl = {
    at: 0,
    type: 'session-start',
    session: {
      id: 1,
      startWallMs: 0,
      upstream: '',
      path: '',
      metadata: {},
      functapeVersion: '',
      schemaVersion: '',
    },
  };
  b.addControl({
    type: 'session-start',
    session: start.type === 'session-start' ? start.session : (undefined as never),
  });
  const frames = [frame(1, 0, 10), frame(1, 1, 0), frame(2, 2, 40), frame(1, 3, 5), frame(2, 4, 100)];
  frames.slice(0, 3).forEach((f) => b.addFrame(f));
  b.addControl({
    type: 'session-end',
    end: { id: 2, endNs: 1n, endWallMs: 1, status: null, reason: 'completed' },
  });
  frames.slice(3).forEach((f) => b.addFrame(f));
  b.addControl({
    type: 'session-end',
    end: { id: 1, endNs: 2n, endWallMs: 2, status: null, reason: 'completed' },
  });
  frames[0]!.bytes.fill(0xee); // the builder copied the bytes
  assert.equal(b.count, 5);
  assert.equal(b.bytes, 155);
  const batch = b.take(9);
  assert.equal(b.empty, true);
  assert.equal(batch.id, 9);
  const seen: string[] = [];
  const out: Frame[] = [];
  readBatch(batch, {
    frame: (f) => (out.push(f), seen.push(`f${f.seq}`)),
    control: (c) => seen.push(c.type === 'session-start' ? 'start' : `end${c.end.id}`),
  });
  assert.deepEqual(seen, ['start', 'f0', 'f1', 'f2', 'end2', 'f3', 'f4', 'end1']);
  out.forEach((f, i) => {
    const w = frames[i]!;
    assert.deepEqual(
      { ...f, bytes: [...f.bytes] },
      { ...w, bytes: i === 0 ? Array(10).fill(0) : [...w.bytes] },
    );
  });
  assert.deepEqual(
    [...framesPerSession(batch)],
    [
      [1, 3],
      [2, 2],
    ],
  );
});

test('recycled buffers are reused by later batches (no new allocation), which still read back exactly', () => {
  const b = createBatchBuilder(4, 64);
  const read = (batch: ReturnType<typeof b.take>) => {
    const out: Frame[] = [];
    readBatch(batch, { frame: (f) => out.push({ ...f, bytes: new Uint8Array(f.bytes) }), control: () => {} });
    return out;
  };
  for (let i = 0; i < 3; i++) b.addFrame(frame(1, i, 20));
  const first = b.take(1);
  // The next batch was sized before anything came back: its buffers are new ones.
  for (let i = 3; i < 5; i++) b.addFrame(frame(1, i, 30));
  const second = b.take(2);
  assert.notEqual(second.data, first.data);
  // The writer is done with the first batch: its buffers come back, and the batch after
  // the one being built is made in them (old contents overwritten, never read).
  const firstFrames = read(first);
  b.recycle(first);
  b.addFrame(frame(1, 5, 1));
  const third = b.take(3); // built in the buffers allocated when `second` was taken
  assert.notEqual(third.data, first.data);
  for (let i = 6; i < 9; i++) b.addFrame(frame(1, i, 15));
  const fourth = b.take(4);
  assert.equal(fourth.data, first.data, 'data buffer reused');
  assert.equal(fourth.meta, first.meta, 'meta buffer reused');
  assert.equal(fourth.stamps, first.stamps, 'stamps buffer reused');
  assert.deepEqual(
    firstFrames.map((f) => f.seq),
    [0, 1, 2],
  );
  assert.deepEqual(
    read(third).map((f) => f.seq),
    [5],
  );
  const got = read(fourth);
  assert.deepEqual(
    got.map((f) => f.seq),
    [6, 7, 8],
  );
  got.forEach((f) => assert.deepEqual([...f.bytes], Array(15).fill(f.seq)));
  assert.deepEqual(
    read(second).map((f) => [f.seq, f.bytes.length]),
    [
      [3, 30],
      [4, 30],
    ],
  );
});

test('recycle keeps no detached or oversize buffers', () => {
  const b = createBatchBuilder(4, 64);
  b.addFrame(frame(1, 0, 10));
  const small = b.take(1);
  const detached = { data: new ArrayBuffer(0), meta: new ArrayBuffer(0), stamps: new ArrayBuffer(0) };
  b.recycle(detached);
  const huge = {
    data: new ArrayBuffer(64 * 1024 * 1024),
    meta: new ArrayBuffer(2 * 16_384 * 8 * 8),
    stamps: new ArrayBuffer(2 * 16_384 * 8),
  };
  b.recycle(huge);
  b.addFrame(frame(1, 1, 10));
  const next = b.take(2);
  assert.notEqual(next.data, huge.data);
  assert.notEqual(next.meta, huge.meta);
  assert.ok(next.data.byteLength > 0 && next.data.byteLength < huge.data.byteLength);
  assert.notEqual(next.data, small.data);
});

test('addFrameFields stores the same frame as addFrame; number stamps are exact up to 2^53 and sanitised beyond', () => {
  const stamps: [number, bigint][] = [
    [0, 0n],
    [1, 1n],
    [2 ** 32 - 1, 2n ** 32n - 1n],
    [2 ** 32, 2n ** 32n],
    [123_456_789_012_345, 123_456_789_012_345n],
    [2 ** 53 - 1, 2n ** 53n - 1n],
    [2 ** 60, 2n ** 60n],
    [5.6, 6n],
    [-3, 0n],
    [NaN, 0n],
    [2 ** 70, 2n ** 63n - 1024n],
  ];
  const b = createBatchBuilder(2, 16); // small: the frames and bytes regrow while adding
  for (let round = 0; round < 3; round++) {
    // Frames given as fields (odd seq) and as Frame objects (even seq) alternate in one batch.
    const want: Frame[] = stamps.map(([, exact], i) => ({ ...frame(7, i, i * 3), tNs: exact }));
    stamps.forEach(([n], i) => {
      const f = want[i]!;
      if (i % 2 === 1)
        b.addFrameFields(f.sessionId, f.seq, f.dirSeq, f.direction, n, f.wallMs, f.compressed, f.bytes);
      else b.addFrame(f);
    });
    const batch = b.take(round + 1);
    const out: Frame[] = [];
    readBatch(batch, {
      frame: (f) => out.push({ ...f, bytes: new Uint8Array(f.bytes) }),
      control: () => assert.fail('no control'),
    });
    assert.deepEqual(out, want, `round ${round}`);
    b.recycle(batch); // later rounds write into recycled buffers
  }
});
