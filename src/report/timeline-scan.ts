import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';

/**
 * The timeline's protobuf field lookups over ONE BinaryReader per message: a nested
 * level is a `Span` (byte offsets into the reader's buffer), so walking into a
 * sub-message costs no new reader (no DataView), no subarray, no closure. Varints, tags,
 * skipping and strings are @bufbuild/protobuf's; this file only keeps every read
 * inside its span.
 *
 * Contract (tested against timeline-fields.ts, the one-reader-per-call reference, on
 * valid, truncated, damaged and random bytes): a lookup on span `s` returns exactly what
 * the reference returns on `buf.subarray(s.start, s.end)`. Bytes after `s.end` are
 * never believed: any read that ends past `s.end` counts as malformed, as reading past
 * the end of the subarray would.
 */

/** A length-delimited value inside the reader's buffer: bytes [start, end). */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/**
 * The reader for one message. It reads a plain Uint8Array view of `bytes`: BinaryReader's
 * skip() returns the skipped bytes as a subarray, and on a Node Buffer that is a new
 * Buffer (a JS-level constructor) per skipped field, the largest cost of a lookup.
 */
export function messageReader(bytes: Uint8Array): BinaryReader {
  return new BinaryReader(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/** The span of a whole message of `bytes`. */
export function wholeMessage(bytes: Uint8Array): Span {
  return { start: 0, end: bytes.length };
}

/** The first `fieldNo` length-delimited field of `s`; undefined when absent or malformed. */
export function subMessage(r: BinaryReader, s: Span | undefined, fieldNo: number): Span | undefined {
  if (!s) return undefined;
  try {
    r.pos = s.start;
    if (!seek(r, s.end, fieldNo, WireType.LengthDelimited)) return undefined;
    return delimited(r, s.end);
  } catch {
    return undefined;
  }
}

/** The first `fieldNo` string field of `s` (UTF-8 as protobuf-es reads it); undefined when absent or malformed. */
export function stringField(r: BinaryReader, s: Span | undefined, fieldNo: number): string | undefined {
  if (!s) return undefined;
  try {
    r.pos = s.start;
    if (!seek(r, s.end, fieldNo, WireType.LengthDelimited)) return undefined;
    const text = r.string();
    return r.pos <= s.end ? text : undefined;
  } catch {
    return undefined;
  }
}

/** A varint field (enums, bools, ints); 0 when absent (proto3 default), undefined when malformed. */
export function varintField(r: BinaryReader, s: Span | undefined, fieldNo: number): number | undefined {
  if (!s) return undefined;
  try {
    r.pos = s.start;
    if (!seek(r, s.end, fieldNo, WireType.Varint)) return 0;
    const value = r.int32();
    return r.pos <= s.end ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Every occurrence of a repeated length-delimited field (those before any damage). */
export function repeatedField(r: BinaryReader, s: Span | undefined, fieldNo: number): Span[] {
  const out: Span[] = [];
  if (!s) return out;
  for (let e = nextField(r, s, fieldNo, s.start); e; e = nextField(r, s, fieldNo, e.end)) out.push(e);
  return out;
}

/**
 * The next occurrence of a repeated length-delimited field of `s`, scanning from byte
 * `from` (`s.start` for the first, then the previous occurrence's `end`); undefined when
 * there is no further one before the end or any damage. Lets a caller that wants the
 * first suitable entry stop there instead of scanning the rest of the level.
 */
export function nextField(r: BinaryReader, s: Span, fieldNo: number, from: number): Span | undefined {
  try {
    r.pos = from;
    return seek(r, s.end, fieldNo, WireType.LengthDelimited) ? delimited(r, s.end) : undefined;
  } catch {
    return undefined;
  }
}

/** Count the entries of a map or repeated field without reading them (up to any damage). */
export function countField(r: BinaryReader, s: Span | undefined, fieldNo: number): number {
  let n = 0;
  if (!s) return n;
  const end = s.end;
  try {
    r.pos = s.start;
    while (r.pos < end) {
      const [no, wt] = r.tag();
      if (r.pos > end) break;
      if (no === fieldNo) n++;
      r.skip(wt, no);
    }
  } catch {
    // count what was read before the damage
  }
  // A last entry whose value runs past the span was counted, as the reference counts it
  // before its skip throws.
  return n;
}

/** Moves `r` to the value of the first `fieldNo` field of wire type `wireType` before `end`; false when there is none. Throws on malformed input. */
function seek(r: BinaryReader, end: number, fieldNo: number, wireType: WireType): boolean {
  while (r.pos < end) {
    const [no, wt] = r.tag();
    // A tag that ran past `end` fails below: the caller's read of the value, or the skip.
    if (no === fieldNo && wt === wireType) return true;
    r.skip(wt, no);
    if (r.pos > end) throw new RangeError('premature end of span');
  }
  return false;
}

/** The length-delimited value at `r.pos` (its length read by the library); `r.pos` is left after it. */
function delimited(r: BinaryReader, end: number): Span {
  const len = r.uint32();
  const start = r.pos;
  if (start + len > end) throw new RangeError('premature end of span');
  r.pos = start + len;
  return { start, end: start + len };
}
