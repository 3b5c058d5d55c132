import { WireType, type BinaryReader } from '@bufbuild/protobuf/wire';
import { contentField, F } from '../codec/field-numbers.js';
import { createMessageSpans, type MessageSpan } from '../codec/message-reader.js';

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

/** Where the interesting parts of a worker message are; filled in place. */
export interface AnswerScan {
  kind: number;
  /** The invocation id's bytes: [idStart, idStart + idLen) of the message. */
  idStart: number;
  idLen: number;
  /** StatusResult.status, or -1 when the response has no `result`. */
  status: number;
  /**
   * Readers for the messages scanned with this AnswerScan: one `BinaryReader` per
   * ArrayBuffer the messages lie in (answers arriving in one chunk or one pooled Buffer
   * share it), instead of one per message — a reader builds a DataView, ~86 ns.
   */
  readonly spans: (bytes: Uint8Array) => MessageSpan;
}

export function newAnswerScan(): AnswerScan {
  return { kind: ANSWER_OTHER, idStart: 0, idLen: 0, status: -1, spans: createMessageSpans() };
}

/** The name of a status number as `readWorkerAnswer` gives it. */
/** Field numbers read here (from the generated descriptors). */
const RESPONSE = contentField('invocationResponse');
const LOG = contentField('rpcLog');
const RESPONSE_ID = F.invocationResponse.invocationId;
const RESPONSE_RESULT = F.invocationResponse.result;
const LOG_ID = F.rpcLog.invocationId;
const STATUS = F.statusResult.status;

export function statusName(status: number): string {
  return status < 0 ? 'none' : STATUS_NAMES[status] ?? `status-${status}`;
}

/**
 * Read kind, invocation id and result status of a worker→host message into `out`.
 * Walks only StreamingMessage's top level up to the first InvocationResponse or
 * RpcLog member, that member's own fields and its StatusResult; payloads are
 * skipped. Read as a span of a shared `BinaryReader` (see AnswerScan.spans), every
 * member bounded by its parent's end and the message by its own.
 * Never throws: malformed bytes (truncated, bad tag or wire type, a member running
 * past its parent) give ANSWER_OTHER with idStart = idLen = 0 and status = -1.
 */
export function scanWorkerAnswer(bytes: Uint8Array, out: AnswerScan): AnswerScan {
  out.kind = ANSWER_OTHER;
  out.idStart = 0;
  out.idLen = 0;
  out.status = -1;
  try {
    const span = out.spans(bytes);
    const r = span.reader;
    const stop = span.end;
    r.pos = span.start;
    while (r.pos < stop) {
      const [field, wt] = r.tag();
      if (wt === WireType.LengthDelimited && (field === RESPONSE || field === LOG)) {
        const end = memberEnd(r, stop);
        scanMember(r, end, out, field === RESPONSE ? ANSWER_RESPONSE : ANSWER_LOG);
        out.idStart -= span.start;
        return out;
      }
      skipField(r, wt, field, stop);
    }
  } catch {
    out.kind = ANSWER_OTHER;
    out.idStart = 0;
    out.idLen = 0;
    out.status = -1;
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

/** Read a length prefix; the member must end within `limit` (its parent's end). */
function memberEnd(r: BinaryReader, limit: number): number {
  const len = r.uint32();
  const end = r.pos + len;
  if (end > limit) throw new RangeError('member runs past its parent');
  return end;
}

/**
 * Skip one field of a member ending at `end`. A length-delimited one (the payloads) is
 * skipped by moving `pos` past it: `BinaryReader.skip` would also build a subarray of
 * it (measured ~35 ns per answer) and only bound it by the whole message.
 */
function skipField(r: BinaryReader, wt: WireType, field: number, end: number): void {
  if (wt === WireType.LengthDelimited) r.pos = memberEnd(r, end);
  else r.skip(wt, field);
}

/** InvocationResponse or RpcLog: the invocation id, and the response's result. */
function scanMember(r: BinaryReader, end: number, out: AnswerScan, kind: number): void {
  const idField = kind === ANSWER_RESPONSE ? RESPONSE_ID : LOG_ID;
  while (r.pos < end) {
    const [field, wt] = r.tag();
    if (field === idField && wt === WireType.LengthDelimited) {
      const idEnd = memberEnd(r, end);
      out.idStart = r.pos;
      out.idLen = idEnd - r.pos;
      r.pos = idEnd;
    } else if (kind === ANSWER_RESPONSE && field === RESPONSE_RESULT && wt === WireType.LengthDelimited) {
      out.status = readStatus(r, memberEnd(r, end));
    } else skipField(r, wt, field, end);
  }
  if (r.pos !== end) throw new RangeError('field runs past its member');
  out.kind = kind;
}

/** StatusResult.status (an enum varint); proto3: absent = 0 = Failure. */
function readStatus(r: BinaryReader, end: number): number {
  let n = 0;
  while (r.pos < end) {
    const [field, wt] = r.tag();
    if (field === STATUS && wt === WireType.Varint) n = r.int32();
    else skipField(r, wt, field, end);
  }
  if (r.pos !== end) throw new RangeError('field runs past its member');
  return n;
}
