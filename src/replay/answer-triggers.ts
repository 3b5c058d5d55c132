import type { ReplayFrame } from './replay-frame.js';
import { decodeMessage } from '../codec/streaming-message.js';

/** Host kinds whose answer, if any, is of the given worker kind (one answer per request). */
const ANSWER_OF: Readonly<Record<string, string>> = {
  workerInitResponse: 'workerInitRequest',
  functionMetadataResponse: 'functionsMetadataRequest',
  functionLoadResponseCollection: 'functionLoadRequestCollection',
  functionEnvironmentReloadResponse: 'functionEnvironmentReloadRequest',
  workerWarmupResponse: 'workerWarmupRequest',
  closeSharedMemoryResourcesResponse: 'closeSharedMemoryResourcesRequest',
  workerStatusResponse: 'workerStatusRequest',
};

/**
 * For each recorded worker→host frame, the seq of the recorded host→worker frame it
 * answers (its trigger), or `undefined` for what the worker sent on its own (StartStream,
 * anything before the first host message).
 *
 * Rules: an invocation's response and logs answer its InvocationRequest (same
 * invocation_id); a load response answers the load request (or collection) naming its
 * function_id; a status response answers the status request whose request_id it echoes;
 * other answers answer the latest preceding request of their kind; logs without an
 * invocation id and anything else answer the latest preceding host message.
 */
export function assignTriggers(frames: readonly ReplayFrame[]): Map<number, number | undefined> {
  const out = new Map<number, number | undefined>();
  const byInvocation = new Map<string, number>();
  const loadByFunction = new Map<string, number>();
  const statusByRequest = new Map<string, number>();
  const latestOfKind = new Map<string, number>();
  let latestHost: number | undefined;
  for (const f of frames) {
    if (f.direction === 'toWorker') {
      latestHost = f.seq;
      latestOfKind.set(f.kind, f.seq);
      if (f.kind === 'invocationRequest' && f.invocationId) byInvocation.set(f.invocationId, f.seq);
      if (f.kind === 'functionLoadRequest' && f.functionId) loadByFunction.set(f.functionId, f.seq);
      if (f.kind === 'functionLoadRequestCollection') {
        for (const id of collectionFunctionIds(f.bytes)) loadByFunction.set(id, f.seq);
      }
      if (f.kind === 'workerStatusRequest' && f.requestId) statusByRequest.set(f.requestId, f.seq);
      continue;
    }
    let trigger: number | undefined;
    if (f.kind === 'startStream') trigger = undefined;
    else if (
      (f.kind === 'invocationResponse' || f.kind === 'rpcLog') &&
      f.invocationId &&
      byInvocation.has(f.invocationId)
    )
      trigger = byInvocation.get(f.invocationId);
    else if (f.kind === 'functionLoadResponse' && f.functionId && loadByFunction.has(f.functionId))
      trigger = loadByFunction.get(f.functionId);
    else if (f.kind === 'workerStatusResponse' && f.requestId && statusByRequest.has(f.requestId))
      trigger = statusByRequest.get(f.requestId);
    else if (ANSWER_OF[f.kind] && latestOfKind.has(ANSWER_OF[f.kind]!))
      trigger = latestOfKind.get(ANSWER_OF[f.kind]!);
    else trigger = latestHost;
    out.set(f.seq, trigger);
  }
  return out;
}

/** Function ids named by a FunctionLoadRequestCollection (empty when it does not decode). */
export function collectionFunctionIds(bytes: Uint8Array): string[] {
  try {
    const m = decodeMessage(bytes);
    if (m.content.case !== 'functionLoadRequestCollection') return [];
    return m.content.value.functionLoadRequests.map((r) => r.functionId);
  } catch {
    return [];
  }
}

/** Function ids answered by a FunctionLoadResponseCollection. */
export function responseCollectionFunctionIds(bytes: Uint8Array): string[] {
  try {
    const m = decodeMessage(bytes);
    if (m.content.case !== 'functionLoadResponseCollection') return [];
    return m.content.value.functionLoadResponses.map((r) => r.functionId);
  } catch {
    return [];
  }
}
