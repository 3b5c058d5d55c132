import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import type { FrameIndex } from '../model/frame.js';
import { newField, nextField, stringAt, type Field } from './field-reader.js';
import { F, KIND_BY_FIELD } from './field-numbers.js';
import { messageSpan, type MessageSpan } from './message-reader.js';

export const MESSAGE_KINDS: readonly string[] = [...KIND_BY_FIELD.values()];

type IdField = 'invocationId' | 'functionId' | 'workerId';
/** Which fields of the content member carry correlation ids, per kind. */
const ID_FIELDS: Readonly<Record<string, ReadonlyArray<readonly [number, IdField]>>> = {
  invocationRequest: [
    [F.invocationRequest.invocationId, 'invocationId'],
    [F.invocationRequest.functionId, 'functionId'],
  ],
  invocationResponse: [[F.invocationResponse.invocationId, 'invocationId']],
  invocationCancel: [[F.invocationCancel.invocationId, 'invocationId']],
  rpcLog: [[F.rpcLog.invocationId, 'invocationId']],
  functionLoadRequest: [[F.functionLoadRequest.functionId, 'functionId']],
  functionLoadResponse: [[F.functionLoadResponse.functionId, 'functionId']],
  startStream: [[F.startStream.workerId, 'workerId']],
};
const REQUEST_ID = F.streamingMessage.requestId;

/**
 * Read kind and correlation ids from StreamingMessage bytes without decoding the
 * whole message: only the top level and the content member's own fields are walked,
 * nested payloads are skipped. Never throws: bytes that are not a well-formed
 * message give `kind: 'unknown'` and `decodeError`.
 */
export function describe(bytes: Uint8Array): FrameIndex {
  return describeWith(messageSpan(bytes), bytes);
}

/**
 * `describe` of the message `span` covers (from message-reader.ts), whose reader the
 * caller may use again afterwards (redaction reads the same message): the content member
 * is read as a span of that reader, no second reader. `bytes` are the same message as a
 * Uint8Array of its own. Same result as `describe(bytes)`, byte for byte.
 */
export function describeWith(span: MessageSpan, bytes: Uint8Array): FrameIndex {
  try {
    return describeSpans(span);
  } catch {
    // Malformed somewhere: the one-reader-per-level reading below says exactly why (its
    // error text is the decode_error stored with the frame).
    return describeNested(bytes);
  }
}

/**
 * The fast path: the shared field reader (field-reader.ts), nested levels as spans of
 * one reader. Throws on anything malformed, including a read that leaves its span
 * (exported for the test that keeps well-formed messages on this path: a fallback would
 * hide a slowdown, not a wrong answer).
 */
export function describeSpans(span: MessageSpan): FrameIndex {
  if (span.end === span.start) return { kind: 'empty' };
  const { reader: r, buf } = span;
  r.pos = span.start;
  const f = newField();
  const out: FrameIndex = { kind: 'unknown' };
  let sawContent = false;
  while (nextField(r, buf, span.end, f)) {
    const kind = KIND_BY_FIELD.get(f.no);
    if (f.no === REQUEST_ID && f.wireType === WireType.LengthDelimited) out.requestId = stringAt(r, f);
    else if (kind !== undefined) {
      if (f.wireType !== WireType.LengthDelimited) throw new Error('malformed');
      out.kind = kind;
      sawContent = true;
      readIdSpans(r, buf, f, ID_FIELDS[kind], out);
    }
  }
  if (!sawContent) throw new Error('no known member');
  return out;
}

/** The ids among the content member's own fields (`f`, left after the member). */
function readIdSpans(
  r: BinaryReader,
  buf: Uint8Array,
  f: Field,
  ids: ReadonlyArray<readonly [number, IdField]> | undefined,
  out: FrameIndex,
): void {
  const end = f.end;
  r.pos = f.start;
  while (nextField(r, buf, end, f)) {
    if (ids === undefined || f.wireType !== WireType.LengthDelimited) continue;
    for (const [n, name] of ids) if (n === f.no) out[name] = stringAt(r, f);
  }
}

/** The reference reading, one reader per level: gives the exact decodeError of malformed bytes. */
function describeNested(bytes: Uint8Array): FrameIndex {
  try {
    const reader = new BinaryReader(bytes);
    const out: FrameIndex = { kind: 'unknown' };
    let sawContent = false;
    while (reader.pos < reader.len) {
      const [fieldNo, wireType] = reader.tag();
      if (fieldNo === REQUEST_ID && wireType === WireType.LengthDelimited) {
        out.requestId = reader.string();
        continue;
      }
      const kind = KIND_BY_FIELD.get(fieldNo);
      if (kind !== undefined && wireType === WireType.LengthDelimited) {
        const inner = reader.bytes();
        out.kind = kind;
        sawContent = true;
        const ids = ID_FIELDS[kind];
        if (ids) readIds(inner, ids, out);
        else checkWellFormed(inner);
        continue;
      }
      if (kind !== undefined)
        throw new Error(`field ${fieldNo} (${kind}) has wire type ${wireType}, expected length-delimited`);
      reader.skip(wireType, fieldNo);
    }
    if (!sawContent && bytes.length > 0) {
      // Valid protobuf but no known member: a newer or foreign message.
      return { ...out, kind: 'unknown', decodeError: 'no known StreamingMessage.content member' };
    }
    if (bytes.length === 0) return { kind: 'empty' };
    return out;
  } catch (err) {
    return { kind: 'unknown', decodeError: err instanceof Error ? err.message : String(err) };
  }
}

function readIds(inner: Uint8Array, ids: ReadonlyArray<readonly [number, IdField]>, out: FrameIndex): void {
  const reader = new BinaryReader(inner);
  while (reader.pos < reader.len) {
    const [fieldNo, wireType] = reader.tag();
    const hit = ids.find(([n]) => n === fieldNo);
    if (hit && wireType === WireType.LengthDelimited) out[hit[1]] = reader.string();
    else reader.skip(wireType, fieldNo);
  }
}

function checkWellFormed(inner: Uint8Array): void {
  const reader = new BinaryReader(inner);
  while (reader.pos < reader.len) {
    const [fieldNo, wireType] = reader.tag();
    reader.skip(wireType, fieldNo);
  }
}
