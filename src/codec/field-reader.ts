import { WireType } from '@bufbuild/protobuf/wire';
import type { WireReader } from './message-reader.js';

/**
 * THE walk over protobuf wire bytes that describe, redaction, the timeline and bench's
 * answer reader share: one field at a time, over a `WireReader` (message-reader.ts) whose
 * nested levels are spans of one buffer, so going down a level costs no new reader and
 * no subarray. Field numbers come from field-numbers.ts (the generated descriptors).
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
  /** Field number; 0 while the tag is being read (a caller's catch can tell a bad tag from a bad value). */
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
 * Read the field at `reader.pos` into `f` and leave `reader.pos` after it (`f.end`);
 * false at `limit`. Throws on malformed bytes and on a field that runs past `limit`.
 * A payload or a varint is passed over by moving `pos` (the library's `skip` would
 * also build a subarray of it); groups are skipped by the library.
 */
export function nextField(m: WireReader, limit: number, f: Field): boolean {
  const r = m.reader;
  if (r.pos >= limit) return false;
  f.no = 0;
  const [no, wireType] = r.tag();
  const at = r.pos;
  if (at > limit) throw new RangeError(`truncated: a tag runs past the end of the message`);
  f.no = no;
  f.wireType = wireType;
  let start = at;
  switch (wireType) {
    case WireType.LengthDelimited: {
      const len = r.uint32();
      start = r.pos;
      r.pos = start + len;
      break;
    }
    case WireType.Varint: {
      const buf = m.buf;
      let p = at;
      while (buf[p++]! & 0x80) {
        // the library's skip: as long as the continuation bit is set
      }
      r.pos = p;
      break;
    }
    case WireType.Bit64:
      r.pos = at + 8;
      break;
    case WireType.Bit32:
      r.pos = at + 4;
      break;
    default:
      r.skip(wireType, no);
  }
  if (r.pos > limit) throw new RangeError(`truncated: field ${no} runs past the end of the message`);
  f.at = at;
  f.start = start;
  f.end = r.pos;
  return true;
}

/** A length-delimited field's payload as UTF-8 text, as protobuf-es reads strings; `reader.pos` is left after it. */
export function stringAt(m: WireReader, f: Field): string {
  m.reader.pos = f.at;
  return m.reader.string();
}

/** A varint field's value as an int32 (enums, bools, ints; throws past 10 bytes); `reader.pos` is left after it. */
export function int32At(m: WireReader, f: Field): number {
  m.reader.pos = f.at;
  return m.reader.int32();
}
