import { stringField, subMessage, varintField } from './field-lookup.js';
import { contentField, F } from './field-numbers.js';
import { messageSpan } from './message-reader.js';
import { decodeMessage, type StreamingMessage } from './streaming-message.js';

/** StatusResult.Status numbers, as the schema has them. */
export const STATUS_FAILURE = 0;
export const STATUS_SUCCESS = 1;
export const STATUS_CANCELLED = 2;

const RESPONSE = contentField('invocationResponse');
const LOG = contentField('rpcLog');

/**
 * InvocationResponse.result.status read from a response's wire bytes without decoding the
 * message (0 Failure, 1 Success, 2 Cancelled); undefined when the bytes hold no result.
 * Never throws: unreadable bytes give undefined.
 */
export function invocationStatus(bytes: Uint8Array): number | undefined {
  try {
    const r = messageSpan(bytes);
    const result = subMessage(r, subMessage(r, r, RESPONSE), F.invocationResponse.result);
    return result ? (varintField(r, result, F.statusResult.status) ?? STATUS_FAILURE) : undefined;
  } catch {
    return undefined;
  }
}

/** RpcLog.message of an rpcLog message's wire bytes ('' when absent or unreadable). */
export function rpcLogMessage(bytes: Uint8Array): string {
  try {
    const r = messageSpan(bytes);
    return stringField(r, subMessage(r, r, LOG), F.rpcLog.message) ?? '';
  } catch {
    return '';
  }
}

/**
 * The `[functionId, name]` pairs a load request, a load request collection or a metadata
 * response names (decoded in full: there are a few per session). None for other kinds or
 * bytes that do not decode.
 */
export function functionNamesOf(bytes: Uint8Array): [string, string][] {
  let m: StreamingMessage;
  try {
    m = decodeMessage(bytes);
  } catch {
    return [];
  }
  const c = m.content;
  const pair = (id: string, name: string | undefined): [string, string][] => (id && name ? [[id, name]] : []);
  if (c.case === 'functionLoadRequest') return pair(c.value.functionId, c.value.metadata?.name);
  if (c.case === 'functionLoadRequestCollection')
    return c.value.functionLoadRequests.flatMap((l) => pair(l.functionId, l.metadata?.name));
  if (c.case === 'functionMetadataResponse')
    return c.value.functionMetadataResults.flatMap((r) => pair(r.functionId ?? '', r.name));
  return [];
}
