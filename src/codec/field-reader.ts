import { WireType, type BinaryReader } from '@bufbuild/protobuf/wire';

/**
 * THE walk over protobuf wire bytes that describe, redaction, the timeline and bench's
 * answer reader share: one field at a time, over a `BinaryReader` and the buffer it reads
 * (a `WireReader` of message-reader.ts, passed as its two parts so that a per-message
 * span object need not be materialised), whose nested levels are spans of that buffer:
 * going down a level costs no new reader and no subarray. Field numbers come from
 * field-numbers.ts (the generated descriptors).
 *
 * Contract: `nextField` on a span [pos, limit) reads exactly what @bufbuild/protobuf's
 * BinaryReader reads on `buf.subarray(pos, limit)` (tags, varints, length prefixes and
 * groups are the library's rules), and throws where that reader would throw or where a
 * tag or value runs past `limit`: bytes after a span are never believed. Callers that
 * want stricter rules (redaction) add them on top; lookups that must not throw
 * (field-lookup.ts) catch.
 */

/** One field of a span, filled in place by `nextField`. */
export interface Field {
  /** Field number. */
  no: number;
  wireType: WireType;
  /** Where the value starts: a length-delimited field's length prefix, another field's value. */
  at: number;
  /** The value: a length-delimited field's payload, or the bytes of any other value. */
  start: number;
  end: number;
}

export function newField(): Field {
  return { no: 0, wireType: WireType.Varint, at: 0, start: 0, end: 0 };
}

/**
 * Read the field at `r.pos` (`r` reads `buf`) into `f` and leave `r.pos` after it (`f.end`);
 * false at `limit`. Throws on malformed bytes and on a field that runs past `limit`
 * (then `f` still holds the field before). Kept small, so that V8 inlines it into
 * each walk: an out-of-line call per field was measured at +13% on `describe`.
 * A payload or a varint is passed over by moving `pos` (the library's `skip` would
 * also build a subarray of it); groups are skipped by the library.
 */
export function nextField(r: BinaryReader, buf: Uint8Array, limit: number, f: Field): boolean {
  if (r.pos >= limit) return false;
  // Not `const [no, wireType] = ...`: destructuring an array is iterator bytecode that
  // makes this function too large for V8 to inline.
  const tag = r.tag();
  const no = tag[0];
  const wireType = tag[1];
  const at = r.pos;
  let start = at;
  if (wireType === WireType.LengthDelimited) {
    const len = r.uint32();
    start = r.pos;
    r.pos = start + len;
  } else if (wireType === WireType.Varint) {
    let p = at;
    while (buf[p++]! & 0x80) {
      // the library's skip: as long as the continuation bit is set
    }
    r.pos = p;
  } else skipOther(r, wireType, no);
  // A tag that ran past `limit` fails here too: every value takes at least one byte.
  if (r.pos > limit) pastEnd(no);
  f.no = no;
  f.wireType = wireType;
  f.at = at;
  f.start = start;
  f.end = r.pos;
  return true;
}

/** Fixed-size values, and groups (skipped by the library); kept out of `nextField` so that it stays small enough to inline. */
function skipOther(r: BinaryReader, wireType: WireType, no: number): void {
  if (wireType === WireType.Bit64) r.pos += 8;
  else if (wireType === WireType.Bit32) r.pos += 4;
  else r.skip(wireType, no);
}

function pastEnd(no: number): never {
  throw new RangeError(`truncated: field ${no} runs past the end of the message`);
}

/** A length-delimited field's payload as UTF-8 text, as protobuf-es reads strings; `reader.pos` is left after it. */
export function stringAt(r: BinaryReader, f: Field): string {
  r.pos = f.at;
  return r.string();
}

/** A varint field's value as an int32 (enums, bools, ints; throws past 10 bytes); `reader.pos` is left after it. */
export function int32At(r: BinaryReader, f: Field): number {
  r.pos = f.at;
  return r.int32();
}
