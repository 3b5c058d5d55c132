import { WireType, type BinaryReader } from '@bufbuild/protobuf/wire';
import { int32At, newField, nextField, type Field } from '../codec/field-reader.js';
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
  /** The field reader's cursor, reused from message to message. */
  readonly field: Field;
}

export function newAnswerScan(): AnswerScan {
  return {
    kind: ANSWER_OTHER,
    idStart: 0,
    idLen: 0,
    status: -1,
    spans: createMessageSpans(),
    field: newField(),
  };
}

/** Field numbers read here (from the generated descriptors). */
const RESPONSE = contentField('invocationResponse');
const LOG = contentField('rpcLog');
const RESPONSE_ID = F.invocationResponse.invocationId;
const RESPONSE_RESULT = F.invocationResponse.result;
const LOG_ID = F.rpcLog.invocationId;
const STATUS = F.statusResult.status;

/** The name of a status number as `readWorkerAnswer` gives it. */
export function statusName(status: number): string {
  return status < 0 ? 'none' : (STATUS_NAMES[status] ?? `status-${status}`);
}

/**
 * Read kind, invocation id and result status of a worker→host message into `out`.
 * Walks only StreamingMessage's top level up to the first InvocationResponse or
 * RpcLog member, that member's own fields and its StatusResult; payloads are
 * skipped. Read with the shared field reader over a span of a shared `BinaryReader`
 * (see AnswerScan.spans), every member bounded by its parent's end and the message by
 * its own. Never throws: malformed bytes (truncated, bad tag or wire type, a member
 * running past its parent) give ANSWER_OTHER with idStart = idLen = 0 and status = -1.
 */
export function scanWorkerAnswer(bytes: Uint8Array, out: AnswerScan): AnswerScan {
  out.kind = ANSWER_OTHER;
  out.idStart = 0;
  out.idLen = 0;
  out.status = -1;
  try {
    const { reader: r, buf, start, end } = out.spans(bytes);
    const f = out.field;
    r.pos = start;
    while (nextField(r, buf, end, f)) {
      if (f.wireType === WireType.LengthDelimited && (f.no === RESPONSE || f.no === LOG)) {
        scanMember(r, buf, f, out, f.no === RESPONSE ? ANSWER_RESPONSE : ANSWER_LOG);
        out.idStart -= start;
        return out;
      }
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
  return s.kind === ANSWER_LOG
    ? { kind: 'rpcLog', invocationId }
    : { kind: 'invocationResponse', invocationId, status: statusName(s.status) };
}

/** InvocationResponse or RpcLog (the member `f`): the invocation id (the last one), and the response's result. */
function scanMember(r: BinaryReader, buf: Uint8Array, f: Field, out: AnswerScan, kind: number): void {
  const idField = kind === ANSWER_RESPONSE ? RESPONSE_ID : LOG_ID;
  const end = f.end;
  r.pos = f.start;
  while (nextField(r, buf, end, f)) {
    if (f.wireType !== WireType.LengthDelimited) continue;
    if (f.no === idField) {
      out.idStart = f.start;
      out.idLen = f.end - f.start;
    } else if (kind === ANSWER_RESPONSE && f.no === RESPONSE_RESULT) out.status = readStatus(r, buf, f);
  }
  out.kind = kind;
}

/** StatusResult.status (an enum varint, the last one) of the result `f`, left after it; proto3: absent = 0 = Failure. */
function readStatus(r: BinaryReader, buf: Uint8Array, f: Field): number {
  let n = 0;
  const end = f.end;
  r.pos = f.start;
  while (nextField(r, buf, end, f)) if (f.no === STATUS && f.wireType === WireType.Varint) n = int32At(r, f);
  return n;
}
