import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createIsoMicros,
  decimal,
  frameLine,
  isoMicros,
  parseIsoMicros,
  parseLine,
  sessionEndLine,
  sessionLine,
  NdjsonError,
} from './ndjson.js';
import type { StoredFrame } from '../model/frame.js';

test('isoMicros: microsecond ISO times round-trip exactly', () => {
  assert.equal(isoMicros(Date.UTC(2026, 0, 2, 3, 4, 5, 678)), '2026-01-02T03:04:05.678000Z');
  assert.equal(isoMicros(1_700_000_000_123.4567), '2023-11-14T22:13:20.123457Z');
  const cached = createIsoMicros();
  for (const ms of [0, 1.001, 999.9994, 1_700_000_000_000.5, 1_700_000_000_999.999, 1_700_000_001_000]) {
    const text = cached(ms);
    assert.equal(text, isoMicros(ms));
    assert.equal(isoMicros(parseIsoMicros(text)), text);
  }
  assert.equal(parseIsoMicros('2026-01-02T03:04:05Z'), Date.UTC(2026, 0, 2, 3, 4, 5));
  assert.ok(Number.isNaN(parseIsoMicros('yesterday')));
});

const frame: StoredFrame = {
  sessionId: 3,
  seq: 4,
  dirSeq: 1,
  direction: 'toHost',
  tNs: 12_345_678_901_234_567n,
  wallMs: 1_700_000_000_000.25,
  compressed: false,
  bytes: new Uint8Array([0xa2, 0x01, 0x04, 0x12, 0x02, 0x57, 0x31]),
  kind: 'startStream',
  workerId: 'W1',
  size: 7,
  redacted: false,
};

test('decimal writes integers as String does (seq numbers, microsecond fractions, before 1970)', () => {
  for (const n of [0, -0, 7, 999_999, 1_000_000, 2 ** 31, 2 ** 53 - 1, -5, 123_456_789_012])
    assert.equal(decimal(n), String(n), `${n}`);
  // Times before 1970 and on second boundaries keep six fraction digits.
  for (const ms of [-0.0004, -1.5, -1000, 0.0004, 999.9996]) assert.match(isoMicros(ms), /\.\d{6}Z$/);
  assert.equal(isoMicros(-1.5), '1969-12-31T23:59:59.998500Z');
});

test('decimal and the time fraction, put together from digit groups, are what String and padStart give', () => {
  let x = 12345;
  const next = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
  const values = [
    0,
    9,
    10,
    99,
    100,
    999,
    1000,
    1001,
    9999,
    99_999,
    999_999,
    1_000_000,
    1_000_001,
    123_456_789,
    999_999_999,
    1e9,
    1e9 + 1,
    2 ** 53 - 1,
  ];
  for (let i = 0; i < 2000; i++) values.push(next() % 1_000_000_000, next() % 10_000, next() % 2_000_000);
  for (const n of values) assert.equal(decimal(n), String(n), `${n}`);
  // The old formula for the fraction: decimal(...).padStart(6, '0').
  const reference = (ms: number) => {
    const micros = Math.round(ms * 1000);
    const second = Math.floor(micros / 1_000_000);
    return `${new Date(second * 1000).toISOString().slice(0, 20)}${String(micros - second * 1_000_000).padStart(6, '0')}Z`;
  };
  const iso = createIsoMicros();
  for (let i = 0; i < 3000; i++) {
    const ms = 1_700_000_000_000 + (next() % 100_000_000) + (next() % 1000) / 1000 + (i % 7) * 0.0004;
    assert.equal(iso(ms), reference(ms), `${ms}`);
  }
  for (const ms of [0, -0.0004, -1.5, 999.9996, 1e15, -1e12])
    assert.equal(isoMicros(ms), reference(ms), `${ms}`);
});

test('ids are JSON strings: quotes, backslashes, control and non-ASCII characters escaped as JSON.stringify does', () => {
  for (const id of ['plain-id', 'a"b', 'back\\slash', 'tab\there', 'del\x7f', 'é', '日本', '\u2028', '']) {
    const line = frameLine({ ...frame, kind: 'unknown', requestId: id, invocationId: id, functionId: id });
    const o = JSON.parse(line) as Record<string, unknown>;
    assert.deepEqual([o.requestId, o.invocationId, o.functionId], [id, id, id]);
    assert.ok(line.includes(`"requestId":${JSON.stringify(id)},`), id);
  }
});

test('frameLine is exactly JSON.stringify of the documented members, in order', () => {
  const line = frameLine(frame);
  assert.equal(
    line,
    JSON.stringify({
      session: 3,
      seq: 4,
      direction: 'toHost',
      tNs: '12345678901234567',
      wallTime: '2023-11-14T22:13:20.000250Z',
      kind: 'startStream',
      requestId: null,
      invocationId: null,
      functionId: null,
      size: 7,
      message: { startStream: { workerId: 'W1' } },
      bytes: 'ogEEEgJXMQ==',
    }),
  );
  const extra = frameLine({
    ...frame,
    kind: 'unknown',
    redacted: true,
    compressed: true,
    decodeError: 'bad "wire"',
  });
  const o = JSON.parse(extra) as Record<string, unknown>;
  assert.equal(o.message, null);
  assert.deepEqual([o.redacted, o.compressed, o.decodeError], [true, true, 'bad "wire"']);
});

test('parseLine reads back frames, sessions and ends', () => {
  const back = parseLine(frameLine({ ...frame, redacted: true, size: 99 }), 1);
  assert.ok(back && back.type === 'frame');
  assert.deepEqual(back.frame, {
    sessionId: 3,
    seq: 4,
    direction: 'toHost',
    tNs: 12_345_678_901_234_567n,
    wallMs: 1_700_000_000_000.25,
    compressed: false,
    bytes: Buffer.from(frame.bytes),
    size: 99,
    redacted: true,
  });
  const s = parseLine(
    sessionLine({
      id: 2,
      label: 'x',
      startWallMs: 5.5,
      upstream: 'u',
      path: '/p',
      metadata: { a: ['1', '2'] },
      functapeVersion: 'f',
      schemaVersion: 's',
      workerId: 'w',
    }),
    2,
  );
  assert.deepEqual(s, {
    type: 'session',
    session: {
      id: 2,
      label: 'x',
      startWallMs: 5.5,
      upstream: 'u',
      path: '/p',
      metadata: { a: ['1', '2'] },
      functapeVersion: 'f',
      schemaVersion: 's',
      workerId: 'w',
    },
  });
  const e = parseLine(
    sessionEndLine({
      id: 2,
      endNs: 10n,
      endWallMs: 7,
      status: { code: 14, details: 'down' },
      reason: 'host-gone',
      unstored: 3,
    }),
    3,
  );
  assert.deepEqual(e, {
    type: 'session-end',
    end: {
      id: 2,
      endNs: 10n,
      endWallMs: 7,
      status: { code: 14, details: 'down' },
      reason: 'host-gone',
      unstored: 3,
    },
  });
  assert.equal(parseLine('   ', 4), null);
});

test('parseLine errors name the line and the member', () => {
  const good = JSON.parse(frameLine(frame)) as Record<string, unknown>;
  const cases: [unknown, RegExp][] = [
    ['not json', /line 7: not JSON/],
    [[1, 2], /line 7: not a JSON object/],
    [{ ...good, bytes: '@@' }, /"bytes" must be base64/],
    [{ ...good, seq: -1 }, /"seq" must be a non-negative integer/],
    [{ ...good, session: 0 }, /"session" must be a session id/],
    [{ ...good, tNs: 'soon' }, /"tNs" must be a decimal string/],
    [{ ...good, wallTime: 5 }, /"wallTime" must be an ISO-8601/],
    [{ ...good, direction: 'up' }, /"direction" must be toHost or toWorker/],
    [{ type: 'party' }, /unknown line type "party"/],
  ];
  for (const [value, pattern] of cases) {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    assert.throws(
      () => parseLine(text, 7),
      (e: unknown) => e instanceof NdjsonError && e.line === 7 && pattern.test(e.message),
      text,
    );
  }
});

test('a message whose nested content does not decode: message null, decodeError from the full decode', () => {
  // startStream (field 20) holding a field with an invalid wire type inside
  const bytes = new Uint8Array([0xa2, 0x01, 0x02, 0x17, 0x01]);
  const o = JSON.parse(frameLine({ ...frame, bytes, size: bytes.length })) as Record<string, unknown>;
  assert.equal(o.message, null);
  assert.equal(typeof o.decodeError, 'string');
});
