import { decodeMessage, encodeMessage, type StreamingMessage } from '../codec/streaming-message.js';
import type { IdMap } from './id-map.js';

/** Kinds whose bytes replay must rewrite before sending them to a live worker. */
const REWRITTEN = new Set([
  'invocationRequest',
  'invocationCancel',
  'functionLoadRequest',
  'functionLoadRequestCollection',
  'workerStatusRequest',
]);

/**
 * Turn a recorded host→worker message into the one to send live: a fresh invocation id
 * (remembered in `ids`) for each InvocationRequest, the live function id wherever a
 * function is named, the live invocation id on a cancel, a fresh request_id on a status
 * request. Other kinds are sent as the recorded bytes, unchanged.
 */
export function rewriteHostMessage(
  kind: string,
  bytes: Uint8Array,
  ids: IdMap,
  newId: () => string,
): Uint8Array {
  if (!REWRITTEN.has(kind)) return bytes;
  const m: StreamingMessage = decodeMessage(bytes);
  const fn = (id: string) => ids.toLive(id) ?? id;
  switch (m.content.case) {
    case 'invocationRequest': {
      const r = m.content.value;
      const live = newId();
      ids.set(r.invocationId, live);
      r.invocationId = live;
      r.functionId = fn(r.functionId);
      break;
    }
    case 'invocationCancel':
      m.content.value.invocationId = ids.toLive(m.content.value.invocationId) ?? m.content.value.invocationId;
      break;
    case 'functionLoadRequest':
      rewriteLoad(m.content.value, fn);
      break;
    case 'functionLoadRequestCollection':
      for (const r of m.content.value.functionLoadRequests) rewriteLoad(r, fn);
      break;
    case 'workerStatusRequest': {
      const live = newId();
      if (m.requestId) ids.set(m.requestId, live);
      m.requestId = live;
      break;
    }
    default:
      return bytes;
  }
  return encodeMessage(m);
}

function rewriteLoad(
  r: { functionId: string; metadata?: { functionId: string } },
  fn: (id: string) => string,
): void {
  r.functionId = fn(r.functionId);
  if (r.metadata?.functionId) r.metadata.functionId = fn(r.metadata.functionId);
}

/** name → function id of every function a metadata response or load request names. */
export function functionNames(bytes: Uint8Array): Array<{ name: string; functionId: string }> {
  try {
    const m = decodeMessage(bytes);
    switch (m.content.case) {
      case 'functionMetadataResponse':
        return m.content.value.functionMetadataResults.map((f) => ({
          name: f.name,
          functionId: f.functionId,
        }));
      case 'functionLoadRequest':
        return [{ name: m.content.value.metadata?.name ?? '', functionId: m.content.value.functionId }];
      case 'functionLoadRequestCollection':
        return m.content.value.functionLoadRequests.map((r) => ({
          name: r.metadata?.name ?? '',
          functionId: r.functionId,
        }));
      default:
        return [];
    }
  } catch {
    return [];
  }
}
