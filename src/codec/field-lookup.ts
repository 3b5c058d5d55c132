import { WireType } from '@bufbuild/protobuf/wire';
import { int32At, newField, nextField, stringAt, type Field } from './field-reader.js';
import type { Span, WireReader } from './message-reader.js';

/**
 * Lookups that never throw, for readers that summarise a message (the timeline): each
 * scans one level (a span) with `nextField` and skips everything else.
 *
 * Contract (field-lookup.test.ts, against field-lookup-reference.ts, a reader per call,
 * on valid, truncated, damaged and random bytes): a lookup on span `s` returns exactly
 * what the reference returns on `buf.subarray(s.start, s.end)`. Malformed bytes give
 * undefined (or what was read before the damage, for the lists and counts).
 */

/** The first `fieldNo` length-delimited field of `s`; undefined when absent or malformed. */
export function subMessage(m: WireReader, s: Span | undefined, fieldNo: number): Span | undefined {
  if (!s) return undefined;
  return nextOccurrence(m, s, fieldNo, s.start);
}

/** `subMessage` down a path of field numbers: `fieldPath(m, s, [a, b])` is field b of field a of `s`. */
export function fieldPath(m: WireReader, s: Span | undefined, path: readonly number[]): Span | undefined {
  let at = s;
  for (let i = 0; i < path.length && at; i++) at = subMessage(m, at, path[i]!);
  return at;
}

/**
 * The next occurrence of a repeated length-delimited field of `s`, scanning from byte
 * `from` (`s.start` for the first, then the previous occurrence's `end`); undefined when
 * there is no further one before the end or any damage. Lets a caller that wants the
 * first suitable entry stop there instead of scanning the rest of the level.
 */
export function nextOccurrence(m: WireReader, s: Span, fieldNo: number, from: number): Span | undefined {
  const f = find(m, s, fieldNo, WireType.LengthDelimited, from);
  return f && { start: f.start, end: f.end };
}

/** Every occurrence of a repeated length-delimited field (those before any damage). */
export function repeatedField(m: WireReader, s: Span | undefined, fieldNo: number): Span[] {
  const out: Span[] = [];
  if (!s) return out;
  for (let e = nextOccurrence(m, s, fieldNo, s.start); e; e = nextOccurrence(m, s, fieldNo, e.end))
    out.push(e);
  return out;
}

/** The first `fieldNo` string field of `s` (UTF-8 as protobuf-es reads it); undefined when absent or malformed. */
export function stringField(m: WireReader, s: Span | undefined, fieldNo: number): string | undefined {
  const f = s && find(m, s, fieldNo, WireType.LengthDelimited, s.start);
  return f && stringAt(m.reader, f);
}

/** The first `fieldNo` varint field (enums, bools, ints); 0 when absent (proto3 default), undefined when malformed. */
export function varintField(m: WireReader, s: Span | undefined, fieldNo: number): number | undefined {
  if (!s) return undefined;
  const f = newField();
  try {
    m.reader.pos = s.start;
    while (nextField(m.reader, m.buf, s.end, f))
      if (f.no === fieldNo && f.wireType === WireType.Varint) return int32At(m.reader, f);
    return 0;
  } catch {
    return undefined;
  }
}

/** Count the entries of a map or repeated field without reading them (up to any damage). */
export function countField(m: WireReader, s: Span | undefined, fieldNo: number): number {
  let n = 0;
  if (!s) return n;
  const f = newField();
  const r = m.reader;
  let at = s.start;
  try {
    r.pos = at;
    for (; nextField(r, m.buf, s.end, f); at = r.pos) if (f.no === fieldNo) n++;
  } catch {
    // A last entry whose tag is whole inside the span but whose value is damaged counts,
    // as the reference counts it before its skip throws.
    if (tagAt(m, at, s.end) === fieldNo) n++;
  }
  return n;
}

/** The field number of a well-formed tag at `at` that ends by `end`, or 0. */
function tagAt(m: WireReader, at: number, end: number): number {
  try {
    m.reader.pos = at;
    const [no] = m.reader.tag();
    return m.reader.pos <= end ? no : 0;
  } catch {
    return 0;
  }
}

/** The first field `fieldNo` of wire type `wireType` of `s` from byte `from`, or undefined (absent or malformed). */
function find(m: WireReader, s: Span, fieldNo: number, wireType: WireType, from: number): Field | undefined {
  const f = newField();
  try {
    m.reader.pos = from;
    while (nextField(m.reader, m.buf, s.end, f)) if (f.no === fieldNo && f.wireType === wireType) return f;
  } catch {
    // malformed: nothing found
  }
  return undefined;
}
