import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { nextField, type Field } from './field-reader.js';
import type { WireReader } from './message-reader.js';

/**
 * Protobuf wire-level editing for redaction: a message is rewritten by replacing the
 * payload of some length-delimited fields and copying every other byte unchanged, so
 * a redacted message differs from the original only where a secret was.
 *
 * Reading is the shared field reader (field-reader.ts), ONE reader per message: a
 * nested level is a span [start, end) of the reader's buffer, so going down a level
 * costs no new reader and no subarray. It reads what the decoder reads, no stricter
 * (see nextLenField).
 */

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
 * Move to the next length-delimited field of the span that ends at `limit` (the shared
 * field reader, field-reader.ts) and fill `f` with it; `reader.pos` is left after its
 * payload. Every other field on the way (varints, fixed-size values, unknown fields sent
 * as groups) is passed over, and so copied unchanged. Returns false at the end of the span.
 * Throws on malformed or truncated bytes (anything that runs past `limit`).
 *
 * Bytes are read exactly as @bufbuild/protobuf reads them, and so as `show`, `export` and
 * replay decode what is stored: a length prefix written in more bytes than needed, or
 * past 32 bits (the library takes its low 32 bits), is the length the library sees. Being
 * stricter than the decoder would be unsafe: a message redaction refused is stored with
 * its secrets, yet decodes as a normal message of its kind everywhere else.
 */
export function nextLenField(m: WireReader, limit: number, f: Field): boolean {
  while (nextField(m.reader, m.buf, limit, f)) {
    if (f.wireType === WireType.LengthDelimited) return true;
  }
  return false;
}

/**
 * Apply splices (positions into `buf`, in increasing, non-overlapping order, all inside
 * [from, to)) to the span [from, to) of `buf` and return its new bytes: a fresh array
 * the caller owns. Lengths are written by the library's BinaryWriter (`w`, reused by
 * callers that apply many).
 */
export function applySplices(
  buf: Uint8Array,
  splices: Splice[],
  from = 0,
  to = buf.length,
  w = new BinaryWriter(),
): Uint8Array {
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
