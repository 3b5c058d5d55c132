import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { newField } from './field-reader.js';
import { applySplices, nextLenField } from './redact-wire.js';
import { messageSpan } from './message-reader.js';
import { createRedactor } from './redact.js';
import { decodeMessage, encodeMessage, messageFromJson, messageToJson } from './streaming-message.js';
import { markerText } from './redact-marker.js';

/** Every length-delimited field of a whole message, in wire order, as the redaction walker meets them. */
function forEachLenField(
  buf: Uint8Array,
  visit: (fieldNo: number, lenPos: number, start: number, end: number) => void,
): void {
  const m = messageSpan(buf);
  const f = newField();
  while (nextLenField(m, m.end, f)) visit(f.no, f.at, f.start, f.end);
}

test('forEachLenField sees exactly the length-delimited fields protobuf-es sees, with their positions', () => {
  const w = new BinaryWriter();
  w.tag(1, WireType.Varint).uint64(2n ** 63n - 1n);
  w.tag(2, WireType.LengthDelimited).string('x'.repeat(300));
  w.tag(3, WireType.Bit64).fixed64(7n);
  w.tag(4, WireType.Bit32).fixed32(9);
  w.tag(5000, WireType.LengthDelimited).bytes(new Uint8Array(0));
  w.tag(6, WireType.Varint).int32(-1);
  const buf = w.finish();
  const seen: Array<[number, number, number]> = [];
  forEachLenField(buf, (no, _lenPos, start, end) => seen.push([no, start, end]));
  const expected: Array<[number, number, number]> = [];
  const r = new BinaryReader(buf);
  while (r.pos < r.len) {
    const [no, wt] = r.tag();
    if (wt === WireType.LengthDelimited) {
      const len = r.uint32();
      expected.push([no, r.pos, r.pos + len]);
      r.pos += len;
    } else r.skip(wt, no);
  }
  assert.deepEqual(seen, expected);
  assert.equal(seen.length, 2);
});

test('malformed bytes throw: truncated length, a group without its end, field 0', () => {
  for (const bad of [[0x12, 0x05, 0x61], [0x0b], [0x0b, 0x08, 0x01], [0x02, 0x00], [0x12]]) {
    assert.throws(() => forEachLenField(Uint8Array.from(bad), () => {}), `${bad}`);
  }
});

test('what the library passes over is passed over: groups, long varints; lengths read as the library reads them', () => {
  const seenIn = (bytes: number[]) => {
    const seen: number[] = [];
    forEachLenField(Uint8Array.from(bytes), (no, _l, start, end) => seen.push(no, start, end));
    return seen;
  };
  // a group (field 1, holding a varint), then field 2 "a"
  assert.deepEqual(seenIn([0x0b, 0x08, 0x01, 0x0c, 0x12, 0x01, 0x61]), [2, 6, 7]);
  // an 11-byte varint, then field 2 "a"
  assert.deepEqual(seenIn([0x08, ...Array(10).fill(0xff), 0x01, 0x12, 0x01, 0x61]), [2, 14, 15]);
  // 3 written in 6 bytes, and 2^32 + 3 (5 bytes, high bits set), which the library reads as 3
  for (const prefix of [
    [0x83, 0x80, 0x80, 0x80, 0x80, 0x00],
    [0x83, 0x80, 0x80, 0x80, 0x10],
    [0x83, 0x80, 0x80, 0x80, 0x00],
  ]) {
    const bytes = [0x12, ...prefix, 0x61, 0x62, 0x63];
    const r = new BinaryReader(Uint8Array.from(bytes));
    r.tag();
    assert.equal(r.bytes().length, 3, 'the library reads 3 bytes');
    assert.deepEqual(seenIn(bytes), [2, 1 + prefix.length, 4 + prefix.length]);
  }
});

test('nextLenField keeps every read inside its span: a nested level cannot run into the bytes after it', () => {
  // field 1 holds [field 2, length 3, "ab"]: its inner length runs past field 1's end, into field 3
  const buf = Uint8Array.from([0x0a, 0x04, 0x12, 0x03, 0x61, 0x62, 0x1a, 0x01, 0x63]);
  const f = newField();
  const m = messageSpan(buf);
  assert.ok(nextLenField(m, buf.length, f));
  assert.deepEqual([f.no, f.start, f.end], [1, 2, 6]);
  m.reader.pos = f.start;
  assert.throws(() => nextLenField(m, 6, f), /runs past the end/);
  // a varint or a fixed-size value that crosses the span's end is truncated as well
  const varint = Uint8Array.from([0x0a, 0x02, 0x08, 0x96, 0x01, 0x1a, 0x00]);
  const mv = messageSpan(varint);
  mv.reader.pos = 2;
  assert.throws(() => nextLenField(mv, 4, f), /truncated/);
  const fixed = Uint8Array.from([0x0a, 0x03, 0x0d, 0x01, 0x02, 0x03, 0x04, 0x00]);
  const mf = messageSpan(fixed);
  mf.reader.pos = 2;
  assert.throws(() => nextLenField(mf, 5, f), /truncated/);
});

test('applySplices rewrites length prefixes, also when their varint grows or shrinks', () => {
  // field 2 with a 3-byte payload becomes 200 bytes: its length prefix grows to 2 bytes
  const buf = Uint8Array.from([0x08, 0x01, 0x12, 0x03, 0x61, 0x62, 0x63, 0x18, 0x02]);
  const out = applySplices(buf, [{ from: 3, to: 7, payload: new Uint8Array(200).fill(0x7a) }]);
  const seen: number[] = [];
  forEachLenField(out, (no, _l, start, end) => seen.push(no, end - start));
  assert.deepEqual(seen, [2, 200]);
  assert.deepEqual([...out.subarray(0, 3)], [0x08, 0x01, 0x12]);
  assert.deepEqual([...out.subarray(out.length - 2)], [0x18, 0x02]);
});

test('redaction that grows or shrinks nested messages across the 127/128-byte boundary decodes to the expected message', () => {
  for (const secretLength of [1, 5, 100, 104, 110, 200, 5000]) {
    for (const pad of [0, 60, 90, 100, 110]) {
      const secret = 's'.repeat(secretLength);
      const json = {
        invocationRequest: {
          invocationId: 'i'.repeat(pad),
          inputData: [
            {
              name: 'req',
              data: {
                http: {
                  headers: { authorization: secret, accept: 'a'.repeat(pad) },
                  cookies: [{ name: 'c', value: secret }],
                },
              },
            },
          ],
        },
      };
      const out = createRedactor()(encodeMessage(messageFromJson(json)), 'invocationRequest');
      assert.ok(out);
      const m = markerText(new TextEncoder().encode(secret));
      const expected = structuredClone(json);
      expected.invocationRequest.inputData[0]!.data.http.headers.authorization = m;
      expected.invocationRequest.inputData[0]!.data.http.cookies[0]!.value = m;
      assert.deepEqual(
        messageToJson(decodeMessage(out)),
        messageToJson(messageFromJson(expected)),
        `secret ${secretLength}, pad ${pad}`,
      );
    }
  }
});
