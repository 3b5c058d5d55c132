import { LOG_KIND } from './replay-frame.js';

/** The correlation fields of a worker answer, already in the recording's id space. */
export interface AnswerIds {
  kind: string;
  invocationId?: string;
  functionId?: string;
  requestId?: string;
}

/**
 * Gives each worker answer its matching key: kind plus correlation key, never stream
 * position. invocationResponse → invocation_id; rpcLog → its invocation's log group;
 * functionLoadResponse → function_id; workerStatusResponse → the echoed request_id of a
 * known status request. Kinds without a correlation id (init, metadata, reload, warmup,
 * collections, status answers that do not echo) are keyed by their occurrence among
 * messages of that kind, which is stable because the host sends at most one of each at a
 * time. Keep one keyer per side: occurrence counters are per instance.
 */
export interface AnswerKeyer {
  key(ids: AnswerIds): string;
}

export function createAnswerKeyer(statusRequestIds: ReadonlySet<string>): AnswerKeyer {
  const occurrences = new Map<string, number>();
  return {
    key({ kind, invocationId, functionId, requestId }) {
      if (kind === 'invocationResponse' && invocationId) return `invocationResponse:${invocationId}`;
      if (kind === LOG_KIND) return `rpcLog:${invocationId ?? ''}`;
      if (kind === 'functionLoadResponse' && functionId) return `functionLoadResponse:${functionId}`;
      if (kind === 'workerStatusResponse' && requestId && statusRequestIds.has(requestId))
        return `workerStatusResponse:${requestId}`;
      const n = occurrences.get(kind) ?? 0;
      occurrences.set(kind, n + 1);
      return `${kind}#${n}`;
    },
  };
}
