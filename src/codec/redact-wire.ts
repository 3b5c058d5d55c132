import { type BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';

/**
 * Protobuf wire-level editing for redaction: a message is rewritten by replacing the
 * payload of some length-delimited fields and copying every other byte unchanged, so
 * a redacted message differs from the original only where a secret was.
 *
 * Reading is @bufbuild/protobuf's BinaryReader (tags, varints, skips, bounds), ONE
 * reader per message: a nested level is a span [start, end) of the reader's buffer, so
 * going down a level costs no new reader and no subarray. This file only keeps every
 * read inside its span and rejects what StreamingMessage never carries (groups).
 */

/** One length-delimited field occurrence: `lenPos` is where its length varint starts, the payload is [start, end). */
export interface LenField {
  fieldNo: number;
  lenPos: number;
  start: number;
  end: number;
}

/**
 * Replace bytes [from, to) (a length prefix and its payload) by a length-delimited
 * payload: new bytes, or an `Edit` of a nested message (written when the whole message
 * is, so that a change deep down allocates no bytes for the levels above it).
 */
export interface Splice {
  from: number;
  to: number;
  payload: Uint8Array | Edit;
}

/** The span [from, to) of the message's buffer with `splices` applied (in increasing, non-overlapping order, all inside it). */
export interface Edit {
  from: number;
  to: number;
  splices: Splice[];
}

/**
 * Move `r` to the next length-delimited field of the span that ends at `limit` and fill
 * `f` with it; `r.pos` is left after its payload. Varint and fixed-size fields on the way
 * are skipped. Returns false at the end of the span. Throws on malformed or truncated
 * bytes (anything that runs past `limit`), and on (deprecated) groups, which no
 * StreamingMessage field uses.
 */
export function nextLenField(r: BinaryReader, buf: Uint8Array, limit: number, f: LenField): boolean {
  while (r.pos < limit) {
    const [fieldNo, wireType] = r.tag();
    switch (wireType) {
      case WireType.LengthDelimited: {
        const lenPos = r.pos;
        const size = r.uint32();
        // A length varint of more than 5 bytes, or one past 32 bits, is malformed (the
        // library would read its low 32 bits).
        const n = r.pos - lenPos;
        if (n > 5 || (n === 5 && buf[r.pos - 1]! > 0x0f)) throw new Error('malformed length');
        const end = r.pos + size;
        if (end > limit) throw new Error(`field ${fieldNo}: length ${size} runs past the end of the message`);
        f.fieldNo = fieldNo;
        f.lenPos = lenPos;
        f.start = r.pos;
        f.end = end;
        r.pos = end;
        return true;
      }
      case WireType.Varint:
        // Reads (and drops) a varint of at most 10 bytes; a longer one throws.
        r.uint32();
        break;
      case WireType.Bit64:
      case WireType.Bit32:
        r.skip(wireType, fieldNo);
        break;
      default:
        throw new Error(`field ${fieldNo}: unsupported wire type ${wireType}`);
    }
    if (r.pos > limit) throw new Error('truncated message');
  }
  return false;
}

/**
 * Apply splices (positions into `buf`, in increasing, non-overlapping order, all inside
 * [from, to)) to the span [from, to) of `buf` and return its new bytes: a fresh array
 * the caller owns. Lengths are written by the library's BinaryWriter (`w`, reused by
 * callers that apply many).
 */
export function applySplices(buf: Uint8Array, splices: Splice[], from = 0, to = buf.length, w = new BinaryWriter()): Uint8Array {
  try {
    writeEdit(buf, { from, to, splices }, w);
  } catch (err) {
    w.finish(); // leave a reused writer empty
    throw err;
  }
  return w.finish();
}

/** Write `edit` to `w`: nested edits go inside fork()/join(), which write their length prefixes. */
function writeEdit(buf: Uint8Array, edit: Edit, w: BinaryWriter): void {
  let read = edit.from;
  for (const s of edit.splices) {
    w.raw(buf.subarray(read, s.from));
    if (s.payload instanceof Uint8Array) w.bytes(s.payload);
    else {
      w.fork();
      writeEdit(buf, s.payload, w);
      w.join();
    }
    read = s.to;
  }
  w.raw(buf.subarray(read, edit.to));
}
