import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeMessage, makeMessage } from './streaming-message.js';
import * as scan from './field-lookup.js';
import * as reference from './field-lookup-reference.js';
import { contentField, F } from './field-numbers.js';
import { messageSpan, type Span } from './message-reader.js';

/** A small deterministic PRNG, so a failure names a reproducible case. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const FIELDS = [1, 2, 3, 4, 5, 12, 13, 15, 16, 31];

/**
 * Every span lookup over `buf` agrees with the reference on the span's subarray (returned
 * spans compared by content). `buf` may hold bytes after the span (the enclosing message),
 * which the scanner must not believe.
 */
function assertSameSpan(buf: Uint8Array, span: Span | undefined, label: string): void {
  const r = messageSpan(buf);
  const bytes = span && buf.subarray(span.start, span.end);
  const content = (s: Span | undefined) => s && buf.subarray(s.start, s.end);
  for (const no of FIELDS) {
    assert.deepEqual(
      content(scan.subMessage(r, span, no)),
      reference.subMessage(bytes, no),
      `${label}: subMessage ${no}`,
    );
    assert.equal(
      scan.stringField(r, span, no),
      reference.stringField(bytes, no),
      `${label}: stringField ${no}`,
    );
    assert.equal(
      scan.varintField(r, span, no),
      reference.varintField(bytes, no),
      `${label}: varintField ${no}`,
    );
    assert.deepEqual(
      scan.repeatedField(r, span, no).map(content),
      reference.repeatedField(bytes, no),
      `${label}: repeatedField ${no}`,
    );
    assert.deepEqual(
      content(span && scan.nextOccurrence(r, span, no, span.start)),
      reference.repeatedField(bytes, no)[0],
      `${label}: nextField ${no}`,
    );
    assert.equal(scan.countField(r, span, no), reference.countField(bytes, no), `${label}: countField ${no}`);
  }
}

/** The same over a whole message, and over it followed by other bytes (as a sub-message is). */
function assertSame(bytes: Uint8Array | undefined, label: string): void {
  if (!bytes) {
    assertSameSpan(new Uint8Array(0), undefined, `${label} (no span)`);
    return;
  }
  assertSameSpan(bytes, messageSpan(bytes), label);
  for (const tail of TAILS) {
    const buf = new Uint8Array(bytes.length + tail.length + 2);
    buf.set([0x08, 0x01]);
    buf.set(bytes, 2);
    buf.set(tail, 2 + bytes.length);
    assertSameSpan(buf, { start: 2, end: 2 + bytes.length }, `${label} + tail ${tail.join(',')}`);
  }
}

/** Bytes after a span that would complete a value cut at its end, if the scanner read on. */
const TAILS = [
  Uint8Array.of(0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41),
  Uint8Array.of(0x01, 0x12, 0x00, 0x08, 0x01, 0x0c, 0x1a, 0x00),
];

const valid = [
  encodeMessage(
    makeMessage({
      content: {
        case: 'rpcLog',
        value: { invocationId: 'i1', level: 4, message: `héllo\u{1F600} ${'x'.repeat(80)}`, category: 'c' },
      },
    }),
  ),
  encodeMessage(
    makeMessage({
      requestId: 'r',
      content: {
        case: 'invocationResponse',
        value: {
          invocationId: 'inv',
          result: { status: 1, exception: { message: 'boom' } },
          returnValue: {
            data: {
              case: 'http',
              value: { statusCode: '201', body: { data: { case: 'string', value: 'b' } } },
            },
          },
        },
      },
    }),
  ),
  encodeMessage(
    makeMessage({
      content: {
        case: 'functionEnvironmentReloadRequest',
        value: { environmentVariables: { A: '1', B: '2', C: '\uFEFFbom' } },
      },
    }),
  ),
  encodeMessage(
    makeMessage({
      content: {
        case: 'workerInitRequest',
        value: { hostVersion: '4.0', capabilities: { a: 'b', c: 'd' }, functionAppDirectory: '/home' },
      },
    }),
  ),
];

test('the span scanner reads valid messages, their nested levels and every truncation exactly as the reference', () => {
  assertSame(undefined, 'undefined');
  assertSame(new Uint8Array(0), 'empty');
  for (const [i, bytes] of valid.entries()) {
    assertSame(bytes, `valid ${i}`);
    for (const no of FIELDS) {
      const inner = reference.subMessage(bytes, no);
      if (inner) {
        assertSame(inner, `valid ${i} field ${no}`);
        for (const no2 of FIELDS)
          assertSame(reference.subMessage(inner, no2), `valid ${i} field ${no}.${no2}`);
      }
    }
    for (let cut = 0; cut < bytes.length; cut++)
      assertSame(bytes.subarray(0, cut), `valid ${i} cut at ${cut}`);
  }
});

test('spans the scanner found inside a message (as the timeline walks them) read like their subarrays, also when cut short', () => {
  for (const [i, bytes] of valid.entries()) {
    const r = messageSpan(bytes);
    for (const no of FIELDS) {
      const inner = scan.subMessage(r, messageSpan(bytes), no);
      if (!inner) continue;
      for (const no2 of [undefined, ...FIELDS]) {
        const span = no2 === undefined ? inner : scan.subMessage(r, inner, no2);
        if (!span) continue;
        for (let cut = 0; cut <= span.end - span.start; cut++) {
          assertSameSpan(
            bytes,
            { start: span.start, end: span.end - cut },
            `valid ${i} field ${no}.${no2 ?? ''} cut by ${cut}`,
          );
        }
      }
    }
  }
});

test('the span scanner agrees with the reference on damaged and random bytes (groups, bad tags, overlong varints), with or without bytes after the span', () => {
  const next = rng(5);
  const special = [
    Uint8Array.of(0x0b, 0x08, 0x01, 0x0c), // group 1 with a varint inside, properly closed
    Uint8Array.of(0x0b, 0x08, 0x01, 0x14), // group 1 closed by an end tag for field 2
    Uint8Array.of(0x0c), // a stray end-group tag
    Uint8Array.of(0x00, 0x01), // field number 0
    Uint8Array.of(0x0e), // wire type 6
    Uint8Array.of(0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01), // a varint of 11 bytes
    Uint8Array.of(0x08, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x12, 0x01, 0x41), // a 5-byte varint, then a string
    Uint8Array.of(0x12, 0x05, 0x41), // a length past the end
    Uint8Array.of(0x11, 1, 2, 3), // a fixed64 past the end
    Uint8Array.of(0x12, 0x02, 0xc3, 0x28, 0x12, 0x01, 0x41), // invalid UTF-8, then a second string
    Uint8Array.of(0x08, 0x80, 0x80, 0x80, 0x80, 0x10, 0x10, 0x03), // tag with a 5-byte varint above uint32
  ];
  for (const [i, bytes] of special.entries()) assertSame(bytes, `special ${i}`);
  for (let i = 0; i < 400; i++) {
    const len = Math.floor(next() * 24);
    const bytes = Uint8Array.from({ length: len }, () => Math.floor(next() * 256));
    assertSame(bytes, `random ${i}`);
  }
  for (let i = 0; i < 300; i++) {
    const base = valid[i % valid.length]!;
    const bytes = Uint8Array.from(base);
    for (let k = 0; k < 3; k++) bytes[Math.floor(next() * bytes.length)] = Math.floor(next() * 256);
    assertSame(bytes, `mutated ${i}`);
  }
});

test('fieldPath seeks down a path of field numbers, as subMessage level by level, and stops at the first missing level', () => {
  const [, response] = valid;
  const m = messageSpan(response!);
  const step = (s: Span | undefined, no: number) => scan.subMessage(m, s, no);
  const path = [contentField('invocationResponse'), F.invocationResponse.returnValue, F.typedData.http];
  const byLevels = step(step(step(m, path[0]!), path[1]!), path[2]!);
  assert.ok(byLevels);
  assert.deepEqual(scan.fieldPath(m, m, path), byLevels);
  assert.equal(scan.stringField(m, byLevels, F.rpcHttp.statusCode), '201');
  assert.deepEqual(scan.fieldPath(m, m, []), m);
  assert.equal(scan.fieldPath(m, m, [path[0]!, 99, path[2]!]), undefined);
  assert.equal(scan.fieldPath(m, undefined, path), undefined);
  // the message cut inside the http value: the path is malformed there, not read on
  assert.equal(scan.fieldPath(m, { start: 0, end: byLevels.end - 1 }, path), undefined);
});
