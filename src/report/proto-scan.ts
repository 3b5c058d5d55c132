/**
 * The timeline's protobuf field lookups (same contract as timeline-fields.ts, which stays
 * the reference: a test compares the two on valid, truncated and random bytes), without
 * the per-call costs that dominated `show`: no BinaryReader (a DataView per call), no
 * visitor closures, no [fieldNo, wireType] array per tag. Each call scans one level of
 * `bytes` and skips everything else; malformed input gives what the reference gives
 * (undefined, or what was collected before the damage).
 */

const VARINT = 0;
const BIT64 = 1;
const LENGTH_DELIMITED = 2;
const START_GROUP = 3;
const END_GROUP = 4;
const BIT32 = 5;
/** Strings up to this length that are pure ASCII are built without TextDecoder. */
const ASCII_FAST = 64;

/** A read position over one message level; throws on malformed input like protobuf-es's BinaryReader. */
class Cursor {
  pos = 0;
  fieldNo = 0;
  wireType = 0;
  readonly len: number;
  constructor(readonly buf: Uint8Array) {
    this.len = buf.length;
  }

  private check(): void {
    if (this.pos > this.len) throw new RangeError('premature EOF');
  }

  uint32(): number {
    const buf = this.buf;
    let b = buf[this.pos++]!;
    if ((b & 0x80) === 0) {
      this.check();
      return b;
    }
    let result = b & 0x7f;
    b = buf[this.pos++]!;
    result |= (b & 0x7f) << 7;
    if ((b & 0x80) === 0) {
      this.check();
      return result;
    }
    b = buf[this.pos++]!;
    result |= (b & 0x7f) << 14;
    if ((b & 0x80) === 0) {
      this.check();
      return result;
    }
    b = buf[this.pos++]!;
    result |= (b & 0x7f) << 21;
    if ((b & 0x80) === 0) {
      this.check();
      return result;
    }
    b = buf[this.pos++]!;
    result |= (b & 0x0f) << 28;
    for (let n = 5; (b & 0x80) !== 0 && n < 10; n++) b = buf[this.pos++]!;
    if ((b & 0x80) !== 0) throw new Error('invalid varint');
    this.check();
    return result >>> 0;
  }

  /** Reads a tag into fieldNo / wireType. */
  tag(): void {
    const start = this.pos;
    const tag = this.uint32();
    const read = this.pos - start;
    if (read > 5 || (read === 5 && this.buf[this.pos - 1]! > 0x0f)) throw new Error('illegal tag: varint overflows uint32');
    const fieldNo = tag >>> 3;
    const wireType = tag & 7;
    if (fieldNo <= 0 || wireType > 5) throw new Error('illegal tag');
    this.fieldNo = fieldNo;
    this.wireType = wireType;
  }

  skip(wireType: number, fieldNo: number, depth = 100): void {
    switch (wireType) {
      case VARINT:
        while (this.buf[this.pos++]! & 0x80) {
          // a varint's continuation bytes
        }
        break;
      case BIT64:
        this.pos += 8;
        break;
      case BIT32:
        this.pos += 4;
        break;
      case LENGTH_DELIMITED: {
        const len = this.uint32();
        this.pos += len;
        break;
      }
      case START_GROUP:
        if (depth <= 0) throw new Error('maximum recursion depth reached');
        for (;;) {
          this.tag();
          const fn = this.fieldNo;
          const wt = this.wireType;
          if (wt === END_GROUP) {
            if (fn !== fieldNo) throw new Error('invalid end group tag');
            break;
          }
          this.skip(wt, fn, depth - 1);
        }
        break;
      default:
        throw new Error(`cant skip wire type ${wireType}`);
    }
    this.check();
  }

  /** A length-delimited value: its start; `pos` is left at its end. */
  delimited(): number {
    const len = this.uint32();
    const start = this.pos;
    this.pos += len;
    this.check();
    return start;
  }
}

/** Moves `c` to the value of the first `fieldNo` field with wire type `wireType`; false when there is none. Throws on malformed input. */
function seek(c: Cursor, fieldNo: number, wireType: number): boolean {
  while (c.pos < c.len) {
    c.tag();
    if (c.fieldNo === fieldNo && c.wireType === wireType) return true;
    c.skip(c.wireType, c.fieldNo);
  }
  return false;
}

export function subMessage(bytes: Uint8Array | undefined, fieldNo: number): Uint8Array | undefined {
  if (!bytes) return undefined;
  try {
    const c = new Cursor(bytes);
    if (!seek(c, fieldNo, LENGTH_DELIMITED)) return undefined;
    const start = c.delimited();
    return bytes.subarray(start, c.pos);
  } catch {
    return undefined;
  }
}

export function stringField(bytes: Uint8Array | undefined, fieldNo: number): string | undefined {
  if (!bytes) return undefined;
  try {
    const c = new Cursor(bytes);
    if (!seek(c, fieldNo, LENGTH_DELIMITED)) return undefined;
    const start = c.delimited();
    return text(bytes, start, c.pos);
  } catch {
    return undefined;
  }
}

/** A varint field (enums, bools, ints); 0 when absent (proto3 default), undefined when malformed. */
export function varintField(bytes: Uint8Array | undefined, fieldNo: number): number | undefined {
  if (!bytes) return undefined;
  try {
    const c = new Cursor(bytes);
    return seek(c, fieldNo, VARINT) ? c.uint32() | 0 : 0;
  } catch {
    return undefined;
  }
}

/** Every occurrence of a repeated length-delimited field (those before any damage). */
export function repeatedField(bytes: Uint8Array | undefined, fieldNo: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  if (!bytes) return out;
  try {
    const c = new Cursor(bytes);
    while (seek(c, fieldNo, LENGTH_DELIMITED)) {
      const start = c.delimited();
      out.push(bytes.subarray(start, c.pos));
    }
  } catch {
    // keep what was read before the damage
  }
  return out;
}

/** Count the entries of a map or repeated field without reading them (up to any damage). */
export function countField(bytes: Uint8Array | undefined, fieldNo: number): number {
  let n = 0;
  if (!bytes) return n;
  try {
    const c = new Cursor(bytes);
    while (c.pos < c.len) {
      c.tag();
      if (c.fieldNo === fieldNo) n++;
      c.skip(c.wireType, c.fieldNo);
    }
  } catch {
    // count what was read before the damage
  }
  return n;
}

/** UTF-8 text as protobuf-es reads it (invalid sequences become U+FFFD, a leading BOM is kept). */
function text(buf: Uint8Array, start: number, end: number): string {
  if (end - start <= ASCII_FAST) {
    let ascii = true;
    for (let i = start; i < end; i++) {
      if (buf[i]! > 0x7f) {
        ascii = false;
        break;
      }
    }
    if (ascii) return String.fromCharCode.apply(null, buf.subarray(start, end) as unknown as number[]);
  }
  return decoder.decode(buf.subarray(start, end));
}

/** Stateless (no stream option): safe to share. */
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
