/**
 * Protobuf wire-level editing for redaction: a message is rewritten by replacing the
 * payload of some length-delimited fields and copying every other byte unchanged, so
 * a redacted message differs from the original only where a secret was.
 */

/** Called per length-delimited field occurrence: `lenPos` is where its length varint starts, the payload is [start, end). */
export type LenFieldVisitor = (fieldNo: number, lenPos: number, start: number, end: number) => void;

/** Replace bytes [from, to) by varint(payload.length) + payload. */
export interface Splice {
  from: number;
  to: number;
  payload: Uint8Array;
}

/**
 * Call `visit` for each length-delimited field of `buf`, in wire order; varint and
 * fixed-size fields are skipped. Throws on malformed or truncated bytes, and on
 * (deprecated) groups, which no StreamingMessage field uses.
 */
export function forEachLenField(buf: Uint8Array, visit: LenFieldVisitor): void {
  const len = buf.length;
  let pos = 0;
  while (pos < len) {
    let tag = 0;
    let shift = 0;
    let b: number;
    do {
      if (pos >= len || shift > 28) throw new Error('malformed tag');
      b = buf[pos++]!;
      tag += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    const wireType = tag % 8;
    const fieldNo = Math.floor(tag / 8);
    if (fieldNo === 0) throw new Error('field number 0');
    switch (wireType) {
      case 0: {
        const stop = Math.min(pos + 10, len);
        while (pos < stop && buf[pos]! & 0x80) pos++;
        if (pos >= stop) throw new Error('malformed varint');
        pos++;
        break;
      }
      case 1:
        pos += 8;
        break;
      case 5:
        pos += 4;
        break;
      case 2: {
        const lenPos = pos;
        let size = 0;
        shift = 0;
        do {
          if (pos >= len || shift > 28) throw new Error('malformed length');
          b = buf[pos++]!;
          size += (b & 0x7f) * 2 ** shift;
          shift += 7;
        } while (b & 0x80);
        const end = pos + size;
        if (end > len) throw new Error(`field ${fieldNo}: length ${size} runs past the end of the message`);
        visit(fieldNo, lenPos, pos, end);
        pos = end;
        break;
      }
      default:
        throw new Error(`field ${fieldNo}: unsupported wire type ${wireType}`);
    }
    if (pos > len) throw new Error('truncated message');
  }
}

export function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

function writeVarint(out: Uint8Array, at: number, n: number): number {
  while (n >= 0x80) {
    out[at++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  out[at++] = n;
  return at;
}

/**
 * Apply splices (in increasing, non-overlapping order) and return the new bytes. The
 * result may be a view into Node's shared Buffer pool (small allocations are much
 * cheaper there): copy it before handing it to code that may transfer its ArrayBuffer.
 */
export function applySplices(buf: Uint8Array, splices: readonly Splice[]): Uint8Array {
  let size = buf.length;
  for (const s of splices) size += varintSize(s.payload.length) + s.payload.length - (s.to - s.from);
  const out = Buffer.allocUnsafe(size);
  let read = 0;
  let write = 0;
  for (const s of splices) {
    write = copy(buf, read, s.from, out, write);
    write = writeVarint(out, write, s.payload.length);
    write = copy(s.payload, 0, s.payload.length, out, write);
    read = s.to;
  }
  copy(buf, read, buf.length, out, write);
  return out;
}

/** Copy [from, to) of `src` into `dst` at `at`; short runs by hand (a subarray costs more than them). */
function copy(src: Uint8Array, from: number, to: number, dst: Uint8Array, at: number): number {
  if (to - from > 48) {
    dst.set(src.subarray(from, to), at);
    return at + to - from;
  }
  for (let i = from; i < to; i++) dst[at++] = src[i]!;
  return at;
}
