import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StoredFrame } from '../../model/frame.js';
import { copyRows } from './copy-rows.js';

/** Read COPY's binary format back: the header checked, each row as its fields' raw bytes (null for NULL). */
function parseCopy(data: Buffer): (Buffer | null)[][] {
  assert.equal(data.subarray(0, 11).toString('latin1'), 'PGCOPY\n\xff\r\n\0');
  assert.equal(data.readInt32BE(11), 0);
  let at = 19 + data.readInt32BE(15);
  const rows: (Buffer | null)[][] = [];
  for (;;) {
    const fields = data.readInt16BE(at);
    at += 2;
    if (fields === -1) break;
    const row: (Buffer | null)[] = [];
    for (let i = 0; i < fields; i++) {
      const n = data.readInt32BE(at);
      at += 4;
      row.push(n < 0 ? null : data.subarray(at, at + n));
      at += Math.max(n, 0);
    }
    rows.push(row);
  }
  assert.equal(at, data.length, 'nothing after the trailer');
  return rows;
}

const frame = (seq: number, over: Partial<StoredFrame>): StoredFrame => ({
  sessionId: 1,
  seq,
  dirSeq: seq,
  direction: 'toHost',
  tNs: 123_456_789_012n + BigInt(seq),
  wallMs: 1_795_618_788_958.42 + seq,
  compressed: false,
  kind: 'rpcLog',
  size: 3,
  redacted: false,
  bytes: new Uint8Array([1, 2, 3]),
  ...over,
});

test('copyRows writes every value exactly in COPY binary format, across buffers smaller than a row', () => {
  const big = new Uint8Array(5000).map((_, i) => i % 251);
  const frames = [
    frame(0, { functionId: 'fn-é\t漢字', invocationId: 'inv\n1', requestId: 'r' }),
    frame(1, { bytes: big, size: 5000, direction: 'toWorker', redacted: true, decodeError: 'bad\\field' }),
    frame(2, { kind: 'unknown', compressed: true, bytes: new Uint8Array(0), size: 0 }),
  ];
  const seen: number[] = [];
  const chunks = [
    ...copyRows('0f8e2a3c-1d4b-4c5e-8f60-718293a4b5c6', 42n, frames, (f) => seen.push(f.seq), 64),
  ];
  assert.ok(chunks.length > 2, `${chunks.length} buffers`);
  assert.deepEqual(seen, [0, 1, 2]);
  const rows = parseCopy(Buffer.concat(chunks));
  assert.equal(rows.length, 3);
  const str = (b: Buffer | null) => b?.toString('utf8') ?? null;
  for (const [i, r] of rows.entries()) {
    const f = frames[i]!;
    assert.equal(r.length, 17);
    assert.equal(r[0]!.toString('hex'), '0f8e2a3c1d4b4c5e8f60718293a4b5c6');
    assert.equal(r[1]!.readBigInt64BE(), 42n);
    assert.deepEqual([r[2]!.readInt32BE(), r[3]!.readInt32BE()], [f.seq, f.dirSeq]);
    assert.equal(str(r[4]!), f.direction);
    assert.equal(r[5]!.readBigInt64BE(), f.tNs);
    assert.equal(r[6]!.readDoubleBE(), f.wallMs);
    assert.equal(r[7]![0], f.compressed ? 1 : 0);
    assert.deepEqual(
      [8, 9, 10, 11, 14].map((c) => str(r[c]!)),
      [f.kind, f.requestId ?? null, f.invocationId ?? null, f.functionId ?? null, f.decodeError ?? null],
    );
    assert.equal(r[12]!.readInt32BE(), f.size);
    assert.equal(r[13]![0], f.redacted ? 1 : 0);
    assert.equal(r[15], null, 'no status outside an invocationResponse');
    assert.deepEqual(new Uint8Array(r[16]!), f.bytes);
  }
});
