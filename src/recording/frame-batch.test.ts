import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBatchBuilder, framesPerSession, readBatch, type BatchControl } from './frame-batch.js';
import type { Frame } from '../model/frame.js';

const frame = (sessionId: number, seq: number, size: number): Frame => ({
  sessionId, seq, dirSeq: seq >> 1, direction: seq % 2 ? 'toWorker' : 'toHost', tNs: 2n ** 60n + BigInt(seq),
  wallMs: 1_700_000_000_000.123 + seq, compressed: seq === 3, bytes: new Uint8Array(size).fill(seq & 0xff),
});

test('a batch carries frames (bytes copied, growing past the initial capacity) and session events in order', () => {
  const b = createBatchBuilder(2, 16);
  assert.equal(b.empty, true);
  const start: BatchControl = { at: 0, type: 'session-start', session: { id: 1, startWallMs: 0, upstream: '', path: '', metadata: {}, functapeVersion: '', schemaVersion: '' } };
  b.addControl({ type: 'session-start', session: start.type === 'session-start' ? start.session : (undefined as never) });
  const frames = [frame(1, 0, 10), frame(1, 1, 0), frame(2, 2, 40), frame(1, 3, 5), frame(2, 4, 100)];
  frames.slice(0, 3).forEach((f) => b.addFrame(f));
  b.addControl({ type: 'session-end', end: { id: 2, endNs: 1n, endWallMs: 1, status: null, reason: 'completed' } });
  frames.slice(3).forEach((f) => b.addFrame(f));
  b.addControl({ type: 'session-end', end: { id: 1, endNs: 2n, endWallMs: 2, status: null, reason: 'completed' } });
  frames[0]!.bytes.fill(0xee); // the builder copied the bytes
  assert.equal(b.count, 5);
  assert.equal(b.bytes, 155);
  const batch = b.take(9);
  assert.equal(b.empty, true);
  assert.equal(batch.id, 9);
  const seen: string[] = [];
  const out: Frame[] = [];
  readBatch(batch, { frame: (f) => (out.push(f), seen.push(`f${f.seq}`)), control: (c) => seen.push(c.type === 'session-start' ? 'start' : `end${c.end.id}`) });
  assert.deepEqual(seen, ['start', 'f0', 'f1', 'f2', 'end2', 'f3', 'f4', 'end1']);
  out.forEach((f, i) => {
    const w = frames[i]!;
    assert.deepEqual({ ...f, bytes: [...f.bytes] }, { ...w, bytes: i === 0 ? Array(10).fill(0) : [...w.bytes] });
  });
  assert.deepEqual([...framesPerSession(batch)], [[1, 3], [2, 2]]);
});
