import { decodeMessage, encodeMessage } from '../codec/streaming-message.js';
import type { InvocationIds } from './invocation-ids.js';

/**
 * Clones one recorded InvocationRequest cheaply, many times: the message is decoded and
 * re-encoded once (with the live function id and a placeholder id), then every clone is a
 * byte copy with the invocation's sequence number written into its id, and into the trace
 * and span ids of a fresh W3C trace parent when the recording has one. No protobuf or
 * string work per invocation.
 *
 * Invariant: a clone decodes to the recorded request with only `invocationId` (=
 * `ids.id(seq)`), `functionId` and the trace/span ids of `traceContext.traceParent` changed.
 */
export interface InvocationCloner {
  readonly recordedInvocationId: string;
  readonly recordedFunctionId: string;
  readonly liveFunctionId: string;
  /** The bytes to send for invocation number `seq`. */
  clone(seq: number): Uint8Array;
}

const TRACE_PARENT = /^([0-9a-f]{2})-[0-9a-f]{32}-[0-9a-f]{16}-([0-9a-f]{2})$/i;

/** Throws when the bytes are not an InvocationRequest. */
export function createInvocationCloner(
  recorded: Uint8Array,
  liveFunctionId: string,
  ids: InvocationIds,
): InvocationCloner {
  const m = decodeMessage(recorded);
  if (m.content.case !== 'invocationRequest')
    throw new Error(`expected an invocationRequest, got ${m.content.case ?? 'nothing'}`);
  const req = m.content.value;
  const recordedInvocationId = req.invocationId;
  const recordedFunctionId = req.functionId;
  const placeholder = ids.id(0);
  req.invocationId = placeholder;
  req.functionId = liveFunctionId;
  // Trace id: the run's 20 random hex digits then the sequence number; span id: the last 4
  // of them then the sequence number. Never all zeros (the random part has the version 4).
  const runHex = ids.prefix.replace(/-/g, '');
  const traceHex = `${runHex}000000000000`;
  const spanHex = `${runHex.slice(16)}000000000000`;
  const tp = req.traceContext ? TRACE_PARENT.exec(req.traceContext.traceParent) : null;
  if (req.traceContext && tp) req.traceContext.traceParent = `${tp[1]}-${traceHex}-${spanHex}-${tp[2]}`;
  const template = Buffer.from(encodeMessage(m));
  const idAt = template.indexOf(placeholder, 0, 'latin1');
  if (idAt < 0) throw new Error('internal: placeholder not found in the encoded request');
  let traceAt = -1;
  if (tp) {
    traceAt = template.indexOf(`-${traceHex}-${spanHex}-`, 0, 'latin1') + 1;
    if (traceAt <= 0) throw new Error('internal: trace placeholder not found');
  }
  const seqAt = idAt + 24;
  const traceSeqAt = traceAt + 20;
  const spanSeqAt = traceAt + 33 + 4;
  return {
    recordedInvocationId,
    recordedFunctionId,
    liveFunctionId,
    clone(seq) {
      const out = Buffer.allocUnsafe(template.length);
      template.copy(out);
      ids.writeSeq(out, seqAt, seq);
      if (traceAt > 0) {
        ids.writeSeq(out, traceSeqAt, seq);
        ids.writeSeq(out, spanSeqAt, seq);
      }
      return out;
    },
  };
}
