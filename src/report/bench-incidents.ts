/**
 * What went wrong in a bench run without stopping the measurement, as data: the load
 * driver records these; `incidentText` is how the printers say them.
 */
export type BenchIncident =
  /** No answer for `silentMs` with invocations in flight: the run stopped (worker-broke). */
  | { kind: 'stalled'; silentMs: number; inFlight: number }
  /** A worker's stream ended during the run (1-based `worker`). */
  | { kind: 'worker-ended'; worker: number; workerId: string; status: { code: number; details: string } }
  /** Open loop: scheduled invocations the in-flight cap held back until the run ended. */
  | { kind: 'backlog'; count: number }
  /** Invocations sent and never answered, and when the run gave up on them. */
  | {
      kind: 'unanswered';
      count: number;
      when: 'worker-broke' | 'interrupted' | 'drained';
      drainTimeoutMs: number;
    }
  /** InvocationResponses whose id the run never sent (or no longer waited for). */
  | { kind: 'unknown-answers'; count: number };

export function incidentText(i: BenchIncident): string {
  switch (i.kind) {
    case 'stalled':
      return `no answer for ${i.silentMs} ms with ${i.inFlight} invocation(s) in flight: the worker(s) stopped answering`;
    case 'worker-ended':
      return `worker #${i.worker} (${i.workerId}) ended its stream during the run: status ${i.status.code} ${i.status.details}`.trim();
    case 'backlog':
      return `${i.count} scheduled invocation(s) were never sent: the in-flight cap held them back until the run ended`;
    case 'unanswered': {
      const when =
        i.when === 'worker-broke'
          ? 'when a worker broke'
          : i.when === 'interrupted'
            ? 'when the run was interrupted'
            : `${i.drainTimeoutMs} ms after sending stopped`;
      return `${i.count} invocation(s) had no answer ${when}`;
    }
    case 'unknown-answers':
      return `${i.count} answer(s) for unknown invocation ids`;
  }
}
