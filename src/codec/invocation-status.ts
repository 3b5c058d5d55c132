import { F, contentField } from './field-numbers.js';
import { subMessage, varintField } from './field-lookup.js';
import { messageSpan } from './message-reader.js';

const RESPONSE = contentField('invocationResponse');

/**
 * The StatusResult.status of an InvocationResponse message (0 Failure, 1 Success, 2 Cancelled),
 * undefined when the message has no result or is not an InvocationResponse. Never throws.
 */
export function invocationStatus(bytes: Uint8Array): number | undefined {
  const m = messageSpan(bytes);
  const result = subMessage(m, subMessage(m, m, RESPONSE), F.invocationResponse.result);
  if (!result) return undefined;
  return varintField(m, result, F.statusResult.status) ?? 0;
}
