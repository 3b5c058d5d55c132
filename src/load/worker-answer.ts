/** What the load driver needs from a worker message, read without a full decode. */
export type WorkerAnswer =
  | { kind: 'invocationResponse'; invocationId: string; status: string }
  | { kind: 'rpcLog'; invocationId: string }
  | { kind: 'other' };

/** StatusResult.Status names by number (proto3: an absent status is 0 = Failure). */
const STATUS_NAMES = ['Failure', 'Success', 'Cancelled'];

const OTHER: WorkerAnswer = { kind: 'other' };

/** Kinds `scanWorkerAnswer` tells apart. */
export const ANSWER_OTHER = 0;
export const ANSWER_RESPONSE = 1;
export const ANSWER_LOG = 2;

/** Where the interesting parts of a worker message are; filled in place (no allocation). */
export interface AnswerScan {
  kind: number;
  /** The invocation id's bytes: [idStart, idStart + idLen) of the message. */
  idStart: number;
  idLen: number;
  /** StatusResult.status, or -1 when the response has no `result`. */
  status: number;
}

export function newAnswerScan(): AnswerScan {
  return { kind: ANSWER_OTHER, idStart: 0, idLen: 0, status: -1 };
}

/** The name of a status number as `readWorkerAnswer` gives it. */
export function statusName(status: number): string {
  return status < 0 ? 'none' : STATUS_NAMES[status] ?? `status-${status}`;
}

/**
 * Read kind, invocation id and result status of a worker→host message into `out`.
 * Walks only StreamingMessage's top level, the InvocationResponse/RpcLog fields and
 * StatusResult; payloads are skipped. Never throws: malformed bytes give ANSWER_OTHER.
 * This is the hot path of bench (once per answer), hence a hand-written wire walker.
 */
export function scanWorkerAnswer(bytes: Uint8Array, out: AnswerScan): AnswerScan {
  out.kind = ANSWER_OTHER;
  out.idStart = 0;
  out.idLen = 0;
  out.status = -1;
  const c: Cursor = { b: bytes, pos: 0 };
  try {
    while (c.pos < bytes.length) {
      const tag = varint(c);
      const field = tag >>> 3;
      const wt = tag & 7;
      if (wt === 2 && (field === 5 || field === 2)) {
        const len = varint(c);
        const end = c.pos + len;
        if (end > bytes.length) return out;
        if (field === 5) scanMember(c, end, out, ANSWER_RESPONSE);
        else scanMember(c, end, out, ANSWER_LOG);
        return out;
      }
      skip(c, wt);
    }
  } catch {
    out.kind = ANSWER_OTHER;
  }
  return out;
}

/** The same as `scanWorkerAnswer`, as a value with the id decoded (tests, tools). */
export function readWorkerAnswer(bytes: Uint8Array): WorkerAnswer {
  const s = scanWorkerAnswer(bytes, newAnswerScan());
  if (s.kind === ANSWER_OTHER) return OTHER;
  const invocationId = Buffer.from(bytes.buffer, bytes.byteOffset + s.idStart, s.idLen).toString('utf8');
  return s.kind === ANSWER_LOG ? { kind: 'rpcLog', invocationId } : { kind: 'invocationResponse', invocationId, status: statusName(s.status) };
}

interface Cursor {
  b: Uint8Array;
  pos: number;
}

function varint(c: Cursor): number {
  let result = 0;
  let shift = 0;
  for (;;) {
    if (c.pos >= c.b.length) throw new Error('truncated');
    const byte = c.b[c.pos++]!;
    if (shift < 28) result |= (byte & 0x7f) << shift;
    else result += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return result;
    shift += 7;
    if (shift > 63) throw new Error('bad varint');
  }
}

function skip(c: Cursor, wt: number): void {
  if (wt === 0) varint(c);
  else if (wt === 1) c.pos += 8;
  else if (wt === 2) {
    const len = varint(c); // read before adding: `c.pos += varint(c)` would add to the old pos
    c.pos += len;
  } else if (wt === 5) c.pos += 4;
  else throw new Error(`wire type ${wt}`);
  if (c.pos > c.b.length) throw new Error('truncated');
}

/** InvocationResponse or RpcLog: field 1 is the invocation id in both; 3 is the response's result. */
function scanMember(c: Cursor, end: number, out: AnswerScan, kind: number): void {
  while (c.pos < end) {
    const tag = varint(c);
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 1 && wt === 2) {
      const len = varint(c);
      out.idStart = c.pos;
      out.idLen = len;
      c.pos += len;
      if (c.pos > end) throw new Error('truncated');
    } else if (kind === ANSWER_RESPONSE && field === 3 && wt === 2) {
      const len = varint(c);
      out.status = readStatus(c, c.pos + len);
    } else skip(c, wt);
  }
  out.kind = kind;
}

function readStatus(c: Cursor, end: number): number {
  let n = 0;
  while (c.pos < end) {
    const tag = varint(c);
    if (tag >>> 3 === 4 && (tag & 7) === 0) n = varint(c) | 0;
    else skip(c, tag & 7);
  }
  return n;
}
