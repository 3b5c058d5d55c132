import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';

/**
 * The test oracle for field-lookup.ts (one reader per message, nested levels as spans):
 * the same lookups, one BinaryReader per call over `bytes`, using nothing but the
 * library. Each call scans one level of `bytes` and skips everything else. Malformed
 * input gives undefined. field-lookup.test.ts checks the two agree on valid, cut and
 * damaged bytes.
 */
export function subMessage(bytes: Uint8Array | undefined, fieldNo: number): Uint8Array | undefined {
  if (!bytes) return undefined;
  let found: Uint8Array | undefined;
  walk(bytes, (no, wt, r) => {
    if (no === fieldNo && wt === WireType.LengthDelimited) {
      found = r.bytes();
      return true;
    }
    return false;
  });
  return found;
}

export function stringField(bytes: Uint8Array | undefined, fieldNo: number): string | undefined {
  if (!bytes) return undefined;
  let found: string | undefined;
  walk(bytes, (no, wt, r) => {
    if (no === fieldNo && wt === WireType.LengthDelimited) {
      found = r.string();
      return true;
    }
    return false;
  });
  return found;
}

/** A varint field (enums, bools, ints); 0 when absent (proto3 default), undefined when malformed. */
export function varintField(bytes: Uint8Array | undefined, fieldNo: number): number | undefined {
  if (!bytes) return undefined;
  let found = 0;
  const ok = walk(bytes, (no, wt, r) => {
    if (no === fieldNo && wt === WireType.Varint) {
      found = r.int32();
      return true;
    }
    return false;
  });
  return ok ? found : undefined;
}

/** Every occurrence of a repeated length-delimited field. */
export function repeatedField(bytes: Uint8Array | undefined, fieldNo: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  if (!bytes) return out;
  walk(bytes, (no, wt, r) => {
    if (no === fieldNo && wt === WireType.LengthDelimited) out.push(r.bytes());
    return false;
  });
  return out;
}

/** Count the entries of a map or repeated field without reading them. */
export function countField(bytes: Uint8Array | undefined, fieldNo: number): number {
  let n = 0;
  if (!bytes) return n;
  walk(
    bytes,
    (no, wt, r) => {
      if (no === fieldNo) n++;
      r.skip(wt, no);
      return false;
    },
    true,
  );
  return n;
}

/**
 * Visit each field; `visit` either consumes the value (returning true to stop, or false
 * after consuming) or, for fields it does not want, the walker skips them. Returns false
 * on malformed input.
 */
function walk(
  bytes: Uint8Array,
  visit: (no: number, wt: WireType, r: BinaryReader) => boolean,
  visitorSkips = false,
): boolean {
  try {
    const r = new BinaryReader(bytes);
    while (r.pos < r.len) {
      const [no, wt] = r.tag();
      const before = r.pos;
      if (visit(no, wt, r)) return true;
      if (!visitorSkips && r.pos === before) r.skip(wt, no);
    }
    return true;
  } catch {
    return false;
  }
}
