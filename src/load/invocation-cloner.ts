import { decodeMessage, encodeMessage } from '../codec/streaming-message.js';

/**
 * Clones one recorded InvocationRequest cheaply, many times: the message is decoded and
 * re-encoded once (with the live function id and placeholder ids), then every clone is a
 * byte copy with a fresh invocation id (and a fresh W3C trace parent, when the recording
 * has one) written over the placeholders. No protobuf work per invocation.
 *
 * Invariant: a clone decodes to the recorded request with only `invocationId`,
 * `functionId` and the trace/span ids of `traceContext.traceParent` changed.
 */
export interface InvocationCloner {
  readonly recordedInvocationId: string;
  readonly recordedFunctionId: string;
  readonly liveFunctionId: string;
  /** The bytes to send, with `invocationId` (a 36-character GUID) as the invocation id. */
  clone(invocationId: string): Uint8Array;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TRACE_PARENT = /^([0-9a-f]{2})-[0-9a-f]{32}-[0-9a-f]{16}-([0-9a-f]{2})$/i;

/**
 * `placeholder` must be a GUID that occurs nowhere in the recorded message (a fresh
 * random one). Throws when the bytes are not an InvocationRequest.
 */
export function createInvocationCloner(recorded: Uint8Array, liveFunctionId: string, placeholder: string): InvocationCloner {
  if (!GUID.test(placeholder)) throw new Error('the placeholder must be a GUID');
  const m = decodeMessage(recorded);
  if (m.content.case !== 'invocationRequest') throw new Error(`expected an invocationRequest, got ${m.content.case ?? 'nothing'}`);
  const req = m.content.value;
  const recordedInvocationId = req.invocationId;
  const recordedFunctionId = req.functionId;
  req.invocationId = placeholder;
  req.functionId = liveFunctionId;
  const hex = placeholder.replace(/-/g, '');
  const tp = req.traceContext ? TRACE_PARENT.exec(req.traceContext.traceParent) : null;
  // The trace placeholder reuses the GUID's hex reversed, so it cannot collide with the id.
  const traceHex = [...hex].reverse().join('');
  if (req.traceContext && tp) req.traceContext.traceParent = `${tp[1]}-${traceHex}-${traceHex.slice(0, 16)}-${tp[2]}`;
  const template = Buffer.from(encodeMessage(m));
  const idAt = template.indexOf(placeholder, 0, 'latin1');
  if (idAt < 0) throw new Error('internal: placeholder not found in the encoded request');
  let traceAt = -1;
  if (tp) {
    traceAt = template.indexOf(`-${traceHex}-`, 0, 'latin1') + 1;
    if (traceAt <= 0) throw new Error('internal: trace placeholder not found');
  }
  return {
    recordedInvocationId,
    recordedFunctionId,
    liveFunctionId,
    clone(invocationId) {
      const out = Buffer.allocUnsafe(template.length);
      template.copy(out);
      out.write(invocationId, idAt, 36, 'latin1');
      if (traceAt > 0) {
        // A fresh trace id (the GUID's 32 hex digits) and span id (its last 16).
        const h = invocationId.slice(0, 8) + invocationId.slice(9, 13) + invocationId.slice(14, 18) + invocationId.slice(19, 23) + invocationId.slice(24);
        out.write(h, traceAt, 32, 'latin1');
        out.write(h.slice(16), traceAt + 33, 16, 'latin1');
      }
      return out;
    },
  };
}
