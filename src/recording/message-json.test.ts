import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScalarType, create, fromBinary, toBinary, toJson, type DescField, type DescMessage } from '@bufbuild/protobuf';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { StreamingMessageSchema } from '../codec/streaming-message.js';
import { createMessageJsonText } from './message-json.js';

/** The reference: what export wrote before (decode, toJson, JSON.stringify); undefined when it throws. */
function reference(bytes: Uint8Array): string | undefined {
  try {
    return JSON.stringify(toJson(StreamingMessageSchema, fromBinary(StreamingMessageSchema, bytes)));
  } catch {
    return undefined;
  }
}

/** Deterministic pseudo-random numbers (mulberry32), so a failure reproduces. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Strings that test escaping and map-key order (integer-like keys come first in a JS object).
const STRINGS = ['', 'x', 'GET', 'a"b\\c', 'line\nbreak\ttab\u0001', 'héllo wörld', '日本語', '😀 emoji', '10', '2', '007', '-1', '4294967295', 'constructor', 'toString', '__proto__', 'x'.repeat(150)];
const DOUBLES = [0, -0, 1.5, -2.25, 1e21, 1e-7, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 123456789.123, Number.MAX_VALUE];
const INTS = [0, 1, -1, 127, 128, 300, 2 ** 31 - 1, -(2 ** 31)];
const BIGS = [0n, 1n, -1n, 2n ** 53n + 1n, 2n ** 63n - 1n, -(2n ** 63n)];

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)]!;
}

function scalar(next: () => number, type: ScalarType): unknown {
  switch (type) {
    case ScalarType.STRING:
      return pick(next, STRINGS);
    case ScalarType.BOOL:
      return next() < 0.5;
    case ScalarType.DOUBLE:
      return pick(next, DOUBLES);
    case ScalarType.FLOAT:
      return Math.fround(pick(next, DOUBLES.slice(0, 10)));
    case ScalarType.BYTES:
      return Uint8Array.from({ length: Math.floor(next() * 7) }, () => Math.floor(next() * 256));
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return pick(next, BIGS);
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return pick(next, BIGS.filter((b) => b >= 0n));
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return pick(next, INTS.map((n) => n >>> 0));
    default:
      return pick(next, INTS);
  }
}

/** A message with random members set (every field kind the schema uses, nested to `depth`). */
function randomMessage(next: () => number, desc: DescMessage, depth: number): Record<string, unknown> {
  const m = create(desc) as unknown as Record<string, unknown>;
  for (const field of desc.fields) {
    if (next() < 0.45) continue;
    const value = fieldValue(next, field, depth);
    if (value === undefined) continue;
    if (field.oneof) m[field.oneof.localName] = { case: field.localName, value };
    else m[field.localName] = value;
  }
  return m;
}

function single(next: () => number, field: DescField, depth: number): unknown {
  if (field.fieldKind === 'message' || (field.fieldKind === 'list' && field.listKind === 'message') || (field.fieldKind === 'map' && field.mapKind === 'message')) {
    if (depth <= 0) return undefined;
    return randomMessage(next, field.message!, depth - 1);
  }
  if (field.fieldKind === 'enum' || (field.fieldKind === 'list' && field.listKind === 'enum') || (field.fieldKind === 'map' && field.mapKind === 'enum')) {
    const values = field.enum!.values;
    return next() < 0.1 ? 77 : pick(next, values).number; // 77: a number the enum does not name
  }
  return scalar(next, field.scalar!);
}

function fieldValue(next: () => number, field: DescField, depth: number): unknown {
  if (field.fieldKind === 'list') {
    const items = Array.from({ length: Math.floor(next() * 4) }, () => single(next, field, depth)).filter((v) => v !== undefined);
    return items;
  }
  if (field.fieldKind === 'map') {
    const record: Record<string, unknown> = {};
    for (let i = Math.floor(next() * 4); i > 0; i--) {
      const v = single(next, field, depth);
      if (v === undefined) continue;
      const key = field.mapKey === ScalarType.STRING ? pick(next, STRINGS) : field.mapKey === ScalarType.BOOL ? String(next() < 0.5) : String(pick(next, INTS));
      record[key] = v;
    }
    return record;
  }
  return single(next, field, depth);
}

/** Every message type reachable from StreamingMessage (each content case is tried on its own). */
function contentCases(): DescField[] {
  return StreamingMessageSchema.fields.filter((f) => f.oneof?.localName === 'content');
}

test('the JSON text written from the bytes is exactly JSON.stringify(toJson(fromBinary(bytes))) for every message kind', () => {
  const jsonText = createMessageJsonText(StreamingMessageSchema);
  let written = 0;
  let total = 0;
  for (const field of contentCases()) {
    for (let seed = 1; seed <= 40; seed++) {
      const next = rng(seed * 7919 + field.number);
      const message = create(StreamingMessageSchema, { requestId: pick(next, STRINGS) });
      (message as unknown as Record<string, unknown>).content = { case: field.localName, value: randomMessage(next, field.message!, 4) };
      const bytes = toBinary(StreamingMessageSchema, message);
      const want = reference(bytes);
      const got = jsonText(bytes);
      total++;
      // (a random Duration can be out of JSON's range: the reference fails, so must this)
      if (want === undefined) assert.equal(got, undefined, `${field.localName} seed ${seed}`);
      if (got === undefined) continue; // handed to the reference path (e.g. a Duration inside)
      written++;
      assert.equal(got, want, `${field.localName} seed ${seed}`);
    }
  }
  // Most generated messages are written by the fast path itself (not all handed over).
  assert.ok(written > total * 0.7, `${written} of ${total} written directly`);
});

test('wire-level oddities: the same text as the reference, or undefined (never a different text)', () => {
  const jsonText = createMessageJsonText(StreamingMessageSchema);
  const next = rng(42);
  const samples: Uint8Array[] = [];
  for (const field of contentCases()) {
    const m = create(StreamingMessageSchema);
    (m as unknown as Record<string, unknown>).content = { case: field.localName, value: randomMessage(next, field.message!, 3) };
    samples.push(toBinary(StreamingMessageSchema, m));
  }
  const cases: [string, Uint8Array][] = [];
  for (const [i, s] of samples.entries()) {
    // Truncated anywhere, a byte flipped, two messages concatenated (protobuf merges them).
    for (let cut = 0; cut < s.length; cut += Math.max(1, Math.floor(s.length / 9))) cases.push([`sample ${i} cut at ${cut}`, s.subarray(0, cut)]);
    for (let k = 0; k < 6 && s.length > 0; k++) {
      const flipped = Uint8Array.from(s);
      const at = Math.floor(next() * s.length);
      flipped[at] = Math.floor(next() * 256);
      cases.push([`sample ${i} byte ${at} changed`, flipped]);
    }
    cases.push([`sample ${i} twice`, Uint8Array.from([...s, ...s])]);
    cases.push([`sample ${i} then sample ${(i + 1) % samples.length}`, Uint8Array.from([...s, ...samples[(i + 1) % samples.length]!])]);
  }
  // Hand-made: unknown fields of every wire type, a repeated scalar (last wins), a zero
  // after a non-zero (implicit presence: left out), invalid UTF-8, a group.
  const w = () => new BinaryWriter();
  const rpcLog = (inner: Uint8Array) => w().tag(2, WireType.LengthDelimited).bytes(inner).finish();
  cases.push(['unknown fields', rpcLog(w().tag(99, WireType.Varint).uint64(5n).tag(98, WireType.Bit64).fixed64(1n).tag(97, WireType.Bit32).fixed32(2).tag(96, WireType.LengthDelimited).string('?').tag(4, WireType.LengthDelimited).string('msg').finish())]);
  cases.push(['last wins', rpcLog(w().tag(4, WireType.LengthDelimited).string('first').tag(4, WireType.LengthDelimited).string('second').finish())]);
  cases.push(['zero after non-zero', rpcLog(w().tag(3, WireType.Varint).int32(2).tag(3, WireType.Varint).int32(0).finish())]);
  cases.push(['invalid UTF-8', rpcLog(w().tag(4, WireType.LengthDelimited).bytes(Uint8Array.from([0x61, 0xff, 0x62])).finish())]);
  cases.push(['a group', rpcLog(w().tag(50, WireType.StartGroup).tag(1, WireType.Varint).int32(1).tag(50, WireType.EndGroup).finish())]);
  cases.push(['wrong wire type', rpcLog(w().tag(4, WireType.Varint).int32(3).finish())]);
  cases.push(['empty', new Uint8Array(0)]);
  // A singular message field twice (protobuf-es merges the two: {message, source} here).
  const exception = (inner: Uint8Array) => w().tag(6, WireType.LengthDelimited).bytes(inner).finish();
  cases.push(['message field twice', rpcLog(Uint8Array.from([...exception(w().tag(2, WireType.LengthDelimited).string('m').finish()), ...exception(w().tag(3, WireType.LengthDelimited).string('s').finish())]))]);
  // propertiesMap (9): a key given twice keeps its first place, "__proto__", integer-like keys, an entry without a key.
  const typed = w().tag(1, WireType.LengthDelimited).string('v').finish(); // TypedData.string
  const entry = (key: string | undefined, value: Uint8Array | undefined) => {
    const e = w();
    if (key !== undefined) e.tag(1, WireType.LengthDelimited).string(key);
    if (value !== undefined) e.tag(2, WireType.LengthDelimited).bytes(value);
    return w().tag(9, WireType.LengthDelimited).bytes(e.finish()).finish();
  };
  const entries = (...list: Uint8Array[]) => rpcLog(Uint8Array.from(list.flatMap((e) => [...e])));
  cases.push(['map: repeated key, integer-like keys', entries(entry('b', typed), entry('10', typed), entry('a', typed), entry('2', typed), entry('b', w().tag(1, WireType.LengthDelimited).string('last').finish()))]);
  cases.push(['map: no key', entries(entry(undefined, typed))]);
  cases.push(['map: no value', entries(entry('k', undefined))]);
  // A value given twice in one entry merges: TypedData.http (5) {method (1)} then {url (2)}.
  const http = (inner: Uint8Array) => w().tag(5, WireType.LengthDelimited).bytes(inner).finish();
  const twoValues = w().tag(1, WireType.LengthDelimited).string('k')
    .tag(2, WireType.LengthDelimited).bytes(http(w().tag(1, WireType.LengthDelimited).string('GET').finish()))
    .tag(2, WireType.LengthDelimited).bytes(http(w().tag(2, WireType.LengthDelimited).string('/u').finish())).finish();
  cases.push(['map: value twice', rpcLog(w().tag(9, WireType.LengthDelimited).bytes(twoValues).finish())]);
  cases.push(['map: __proto__', entries(entry('__proto__', typed), entry('x', typed))]);
  // TypedData.collection_sint64 (11) → CollectionSInt64.sint64 (1): packed and not packed.
  const sint64 = (inner: Uint8Array) => rpcLog(entry('k', w().tag(11, WireType.LengthDelimited).bytes(inner).finish()));
  cases.push(['packed list', sint64(w().tag(1, WireType.LengthDelimited).fork().sint64(-3n).sint64(4n).join().finish())]);
  cases.push(['unpacked list', sint64(w().tag(1, WireType.Varint).sint64(-3n).tag(1, WireType.Varint).sint64(5n).finish())]);
  // These must be written here, not handed over (they test what this writer does itself).
  const direct = new Set(['unknown fields', 'last wins', 'zero after non-zero', 'map: repeated key, integer-like keys', 'map: no key', 'packed list', 'unpacked list', 'empty']);
  let differing = 0;
  // The same bytes as a view into a bigger buffer (as a page of messages read together):
  // what lies around them is never read as theirs.
  const around = (bytes: Uint8Array, fill: number) => {
    const big = new Uint8Array(bytes.length + 64).fill(fill);
    big.set(bytes, 32);
    return big.subarray(32, 32 + bytes.length);
  };
  for (const [name, bytes] of cases) {
    for (const fill of [0x00, 0x0a, 0x08, 0xff]) {
      const got = jsonText(around(bytes, fill));
      if (got !== undefined) assert.equal(got, reference(bytes), `${name}, inside a buffer of ${fill}`);
      if (reference(bytes) === undefined) assert.equal(got, undefined, `${name}, inside a buffer of ${fill}: the reference fails, so must this`);
    }
    if (direct.has(name)) assert.notEqual(jsonText(bytes), undefined, `${name}: written directly`);
    const want = reference(bytes);
    const got = jsonText(bytes);
    if (got !== undefined) assert.equal(got, want, name);
    if (want === undefined) assert.equal(got, undefined, `${name}: the reference fails, so must this`);
    if (got !== want) differing++;
  }
  assert.ok(differing < cases.length / 2, 'most cases are written directly');
});
