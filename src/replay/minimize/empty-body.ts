import { decodeMessage, encodeMessage } from '../../codec/streaming-message.js';

/**
 * An InvocationRequest with every HTTP input's body (and raw body) left out, or undefined
 * when it has none to leave out or is not a decodable InvocationRequest (then there is
 * nothing to try).
 */
export function withEmptyBody(bytes: Uint8Array): Uint8Array | undefined {
  let m: ReturnType<typeof decodeMessage>;
  try {
    m = decodeMessage(bytes);
  } catch {
    return undefined;
  }
  if (m.content.case !== 'invocationRequest') return undefined;
  let changed = false;
  for (const binding of m.content.value.inputData) {
    const data = binding.rpcData.case === 'data' ? binding.rpcData.value.data : undefined;
    if (data?.case !== 'http') continue;
    if (data.value.body !== undefined || data.value.rawBody !== undefined) changed = true;
    data.value.body = undefined;
    data.value.rawBody = undefined;
  }
  return changed ? encodeMessage(m) : undefined;
}
