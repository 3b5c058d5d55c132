import { messageFrame } from './compression.js';
import type { JsonValue } from '@bufbuild/protobuf';
import { bytesToJson } from './streaming-message.js';
import { DIRECTIONS, type Direction, type StoredFrame } from '../model/frame.js';
import type {
  EndReason,
  Metadata,
  SessionEnd,
  SessionInfo,
  SessionStart,
  StreamStatus,
} from '../model/session.js';

/**
 * The NDJSON export format, one JSON object per line. A session is written as
 *
 *   {"type":"session","session":1,"label":...,"startTime":...,"upstream":...,"path":...,
 *    "metadata":{...},"workerId":...,"functapeVersion":...,"schemaVersion":...}
 *   {"session":1,"seq":0,"direction":"toHost","tNs":"1200","wallTime":"...","kind":"startStream",
 *    "requestId":...,"invocationId":...,"functionId":...,"size":42,"message":{...},"bytes":"..."}
 *   ...one line per message, in seq order...
 *   {"type":"session-end","session":1,"endNs":"...","endTime":"...","status":{...}|null,
 *    "reason":"completed","unstored":0}
 *
 * Message lines carry no "type". Times are ISO-8601 UTC with microseconds; ns counts are
 * decimal strings (they exceed 2^53). "message" is the proto3 JSON of the stored bytes
 * (null when they do not decode, with "decodeError" saying why); "bytes" (base64) is the truth and the only thing
 * import reads. Optional members appear only when they are not the default:
 * "redacted":true, "compressed":true, "decodeError":"...". A session that never ended
 * has no session-end line. Everything here is pure: strings in, values out.
 */
export type NdjsonRecord =
  | { type: 'session'; session: SessionStart & { workerId?: string } }
  | { type: 'frame'; frame: NdjsonFrame }
  | { type: 'session-end'; end: SessionEnd };

/** A message line read back: the frame plus what import keeps from the line. */
export interface NdjsonFrame {
  sessionId: number;
  seq: number;
  direction: Direction;
  tNs: bigint;
  wallMs: number;
  compressed: boolean;
  bytes: Uint8Array;
  size: number;
  redacted: boolean;
}

export class NdjsonError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'NdjsonError';
  }
}

/** ISO-8601 UTC with microseconds (ms since the epoch in, rounded to the µs). */
export function isoMicros(wallMs: number): string {
  return createIsoMicros()(wallMs);
}

/**
 * isoMicros with a one-entry cache of the `YYYY-MM-DDTHH:MM:SS.` prefix: consecutive
 * messages nearly always fall in the same second, and Date formatting is the slow part.
 */
export function createIsoMicros(): (wallMs: number) => string {
  let lastSecond = Number.NaN;
  let prefix = '';
  return (wallMs) => {
    const micros = Math.round(wallMs * 1000);
    const second = Math.floor(micros / 1_000_000);
    if (second !== lastSecond) {
      lastSecond = second;
      prefix = new Date(second * 1000).toISOString().slice(0, 20);
    }
    const frac = micros - second * 1_000_000;
    return `${prefix}${frac >= 0 && frac < 1_000_000 && Number.isInteger(frac) ? THREE[Math.floor(frac / 1000)]! + THREE[frac % 1000]! : decimal(frac).padStart(6, '0')}Z`;
  };
}

/** Inverse of isoMicros (also accepts fewer fraction digits). NaN when not a time. */
export function parseIsoMicros(text: string): number {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(text);
  if (!m) return Number.NaN;
  const frac = (m[2] ?? '').padEnd(6, '0').slice(0, 6);
  const seconds = Date.parse(`${m[1]}Z`);
  return (seconds * 1000 + Number(frac)) / 1000;
}

export function sessionLine(s: SessionInfo | (SessionStart & { workerId?: string })): string {
  return JSON.stringify({
    type: 'session',
    session: s.id,
    label: s.label ?? null,
    startTime: isoMicros(s.startWallMs),
    upstream: s.upstream,
    path: s.path,
    metadata: s.metadata,
    workerId: s.workerId ?? null,
    functapeVersion: s.functapeVersion,
    schemaVersion: s.schemaVersion,
  });
}

export function sessionEndLine(e: SessionEnd): string {
  return JSON.stringify({
    type: 'session-end',
    session: e.id,
    endNs: e.endNs.toString(),
    endTime: isoMicros(e.endWallMs),
    status: e.status
      ? { code: e.status.code, details: e.status.details, metadata: e.status.metadata ?? {} }
      : null,
    reason: e.reason,
    unstored: e.unstored ?? 0,
  });
}

/** Printable ASCII but `"` and `\\`: JSON.stringify only adds the quotes. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const str = (v: string | undefined): string =>
  v === undefined ? 'null' : PLAIN.test(v) ? `"${v}"` : JSON.stringify(v);

/** The text of each number below 1000, and the same as three digits ("007"): built once. */
const SMALL = Array.from({ length: 1000 }, (_, i) => i.toFixed(0));
const THREE = SMALL.map((t) => t.padStart(3, '0'));

/**
 * The decimal text of an integer (below 1e21), as String(n) gives it, but without V8's
 * number-to-string cache. That cache keeps the last ~16k strings made from numbers alive
 * in the old generation: numbers that differ on every message (seq, the microseconds of
 * the time) would each leave a promoted string behind, so old space grew by ~25 bytes per
 * message until a full GC (1M messages: ~25 MB per converting thread). Below 1e9 it is
 * put together from the digit groups of a table (toFixed is ~0.2 us a call).
 */
export function decimal(n: number): string {
  if (!(n >= 0 && n < 1e9 && Number.isInteger(n))) return n.toFixed(0);
  if (n < 1000) return SMALL[n]!;
  if (n < 1e6) return SMALL[Math.floor(n / 1000)]! + THREE[n % 1000]!;
  return SMALL[Math.floor(n / 1e6)]! + THREE[Math.floor(n / 1000) % 1000]! + THREE[n % 1000]!;
}

/** A message line; `message` defaults to the proto3 JSON of the stored bytes. */
export function frameLine(f: StoredFrame, message?: JsonValue | null): string {
  return createFrameLiner()(f, message);
}

/**
 * frameLine for many messages (keeps a time-format cache). Built by hand for speed, but
 * exactly what JSON.stringify gives for these members in this order.
 */
export function createFrameLiner(): (f: StoredFrame, message?: JsonValue | null) => string {
  const iso = createIsoMicros();
  return (f, message) => {
    if (message !== undefined || f.kind === 'unknown')
      return frameLineWith(iso, f, message ?? null, f.decodeError);
    // Bytes that index fine but fail a full decode (a bad nested field) say why, too.
    const { json, error } = bytesToJson(messageFrame(f).bytes);
    return frameLineWith(iso, f, json, f.decodeError ?? error);
  };
}

function frameLineWith(
  isoMicros: (ms: number) => string,
  f: StoredFrame,
  message: JsonValue | null,
  decodeError: string | undefined,
): string {
  const view = Buffer.isBuffer(f.bytes)
    ? f.bytes
    : Buffer.from(f.bytes.buffer, f.bytes.byteOffset, f.bytes.byteLength);
  const bytes = view.toString('base64');
  let line =
    `{"session":${f.sessionId},"seq":${decimal(f.seq)},"direction":"${f.direction}","tNs":"${f.tNs}",` +
    `"wallTime":"${isoMicros(f.wallMs)}","kind":${JSON.stringify(f.kind)},"requestId":${str(f.requestId)},` +
    `"invocationId":${str(f.invocationId)},"functionId":${str(f.functionId)},"size":${f.size},` +
    `"message":${JSON.stringify(message)},"bytes":"${bytes}"`;
  if (f.redacted) line += ',"redacted":true';
  if (f.compressed) line += ',"compressed":true';
  if (decodeError !== undefined) line += `,"decodeError":${JSON.stringify(decodeError)}`;
  return `${line}}`;
}

type Obj = Record<string, unknown>;

/** Parse one line (1-based `lineNo` for errors). Blank lines give null. */
export function parseLine(text: string, lineNo: number): NdjsonRecord | null {
  if (text.trim() === '') return null;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new NdjsonError(lineNo, `not JSON (${(err as Error).message})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new NdjsonError(lineNo, 'not a JSON object');
  const o = v as Obj;
  const get = new Fields(o, lineNo);
  if (o.type === 'session') {
    const s: SessionStart & { workerId?: string } = {
      id: get.id('session'),
      startWallMs: get.time('startTime'),
      upstream: get.str('upstream', ''),
      path: get.str('path', ''),
      metadata: get.metadata('metadata'),
      functapeVersion: get.str('functapeVersion', ''),
      schemaVersion: get.str('schemaVersion', ''),
    };
    const label = get.optStr('label');
    if (label !== undefined) s.label = label;
    const workerId = get.optStr('workerId');
    if (workerId !== undefined) s.workerId = workerId;
    return { type: 'session', session: s };
  }
  if (o.type === 'session-end') {
    const end: SessionEnd = {
      id: get.id('session'),
      endNs: get.ns('endNs'),
      endWallMs: get.time('endTime'),
      status: get.status('status'),
      reason: get.str('reason') as EndReason,
    };
    const unstored = o.unstored === undefined ? 0 : get.int('unstored');
    if (unstored > 0) end.unstored = unstored;
    return { type: 'session-end', end };
  }
  if (o.type !== undefined) throw new NdjsonError(lineNo, `unknown line type ${JSON.stringify(o.type)}`);
  const direction = get.str('direction') as Direction;
  if (!DIRECTIONS.includes(direction))
    throw new NdjsonError(lineNo, `"direction" must be toHost or toWorker`);
  if (typeof o.bytes !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(o.bytes))
    throw new NdjsonError(lineNo, `"bytes" must be base64`);
  const bytes = Buffer.from(o.bytes, 'base64');
  const redacted = o.redacted === true;
  return {
    type: 'frame',
    frame: {
      sessionId: get.id('session'),
      seq: get.int('seq'),
      direction,
      tNs: get.ns('tNs'),
      wallMs: get.time('wallTime'),
      compressed: o.compressed === true,
      bytes,
      size: redacted && o.size !== undefined ? get.int('size') : bytes.length,
      redacted,
    },
  };
}

/** Typed reads of one line's members, with line-numbered errors. */
class Fields {
  constructor(
    private readonly o: Obj,
    private readonly line: number,
  ) {}
  private fail(name: string, what: string): never {
    throw new NdjsonError(this.line, `"${name}" ${what}`);
  }
  int(name: string): number {
    const v = this.o[name];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
      this.fail(name, 'must be a non-negative integer');
    return v;
  }
  id(name: string): number {
    const v = this.int(name);
    if (v < 1) this.fail(name, 'must be a session id (1 or more)');
    return v;
  }
  str(name: string, fallback?: string): string {
    const v = this.o[name];
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v !== 'string') this.fail(name, 'must be a string');
    return v;
  }
  optStr(name: string): string | undefined {
    const v = this.o[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') this.fail(name, 'must be a string or null');
    return v;
  }
  ns(name: string): bigint {
    const v = this.o[name];
    if (typeof v === 'string' && /^\d+$/.test(v)) return BigInt(v);
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
    return this.fail(name, 'must be a decimal string of nanoseconds');
  }
  time(name: string): number {
    const v = this.o[name];
    const ms = typeof v === 'string' ? parseIsoMicros(v) : Number.NaN;
    if (Number.isNaN(ms)) this.fail(name, 'must be an ISO-8601 UTC time');
    return ms;
  }
  metadata(name: string): Metadata {
    const v = this.o[name];
    if (v === undefined || v === null) return {};
    if (typeof v !== 'object' || Array.isArray(v)) this.fail(name, 'must be an object of string arrays');
    for (const values of Object.values(v as Obj)) {
      if (!Array.isArray(values) || values.some((x) => typeof x !== 'string'))
        this.fail(name, 'must be an object of string arrays');
    }
    return v as Metadata;
  }
  status(name: string): StreamStatus | null {
    const v = this.o[name];
    if (v === null || v === undefined) return null;
    if (typeof v !== 'object' || Array.isArray(v)) this.fail(name, 'must be an object or null');
    const s = new Fields(v as Obj, this.line);
    const out: StreamStatus = { code: s.int('code'), details: s.str('details', '') };
    const metadata = s.metadata('metadata');
    if (Object.keys(metadata).length > 0) out.metadata = metadata;
    return out;
  }
}
