/**
 * What one scripted-host run found: plain data, built while running and printed by
 * `formatHostReport` afterwards.
 */

export type HostOutcome =
  /** Every invocation answered as expected, the worker terminated and exited 0. */
  | 'ok'
  /** The protocol went through but some answers (or the worker's exit) were not as expected. */
  | 'unexpected'
  /** The worker could not start, broke the stream or stopped answering. */
  | 'broken';

export interface FunctionCounts {
  sent: number;
  /** Answers as expected. */
  ok: number;
  success: number;
  failure: number;
  cancelled: number;
  unexpected: number;
}

export interface HostReport {
  outcome: HostOutcome;
  /** Why the outcome is not ok (first problem), one line. */
  problem?: string;
  /** The phase the script was in when it stopped. */
  phase: string;
  workerId: string;
  workerCapabilities: string[];
  /** WorkerInitResponse.worker_metadata, flattened (runtime, version, ...). */
  workerMetadata: Record<string, string>;
  functions: string[];
  invocations: {
    planned: number;
    sent: number;
    answered: number;
    byFunction: Record<string, FunctionCounts>;
    /** Up to 10 unexpected answers, one line each. */
    examples: string[];
  };
  logs: { invocation: number; other: number };
  messages: { toWorker: number; toHost: number };
  statusEchoed: boolean;
  /** False when the worker lacks WorkerStatus (a host then never asks) or the run ended before the request. */
  statusSent: boolean;
  /** Wall time from the first InvocationRequest to the last answer (the last one received, when the stream broke). */
  invokeMs: number;
  perSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number; count: number };
  worker: { exitCode: number | null; signal: string | null; stderrTail: string[] };
}

export function emptyCounts(): FunctionCounts {
  return { sent: 0, ok: 0, success: 0, failure: 0, cancelled: 0, unexpected: 0 };
}

function ms(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

/** The human summary `functape host` prints. */
export function formatHostReport(r: HostReport): string {
  const lines: string[] = [];
  const fnTotals = Object.values(r.invocations.byFunction);
  const sum = (k: keyof FunctionCounts) => fnTotals.reduce((a, c) => a + c[k], 0);
  const verdict =
    r.outcome === 'ok' ? 'OK' : r.outcome === 'unexpected' ? 'UNEXPECTED RESULTS' : 'WORKER BROKE';
  lines.push(`functape host: ${verdict}${r.problem ? ` — ${r.problem}` : ''}`);
  const meta = r.workerMetadata;
  lines.push(
    `  worker ${r.workerId}${meta.runtimeName ? ` (${meta.runtimeName} ${meta.runtimeVersion ?? ''}, worker ${meta.workerVersion ?? '?'})` : ''}`,
  );
  if (r.workerCapabilities.length > 0) lines.push(`  capabilities: ${r.workerCapabilities.join(', ')}`);
  lines.push(
    `  invocations: ${r.invocations.answered}/${r.invocations.planned} answered, ${sum('ok')} as expected, ${sum('unexpected')} unexpected ` +
      `(${sum('success')} Success, ${sum('failure')} Failure, ${sum('cancelled')} Cancelled)`,
  );
  for (const [fn, c] of Object.entries(r.invocations.byFunction)) {
    lines.push(
      `    ${fn.padEnd(6)} ${String(c.sent).padStart(6)} sent  ${String(c.ok).padStart(6)} ok  ${String(c.unexpected).padStart(4)} unexpected` +
        `  (${c.success} Success, ${c.failure} Failure, ${c.cancelled} Cancelled)`,
    );
  }
  for (const e of r.invocations.examples) lines.push(`    ! ${e}`);
  if (r.latencyMs.count > 0) {
    lines.push(`  throughput: ${r.perSecond.toFixed(0)} invocations/s over ${ms(r.invokeMs)} ms`);
    lines.push(
      `  latency ms: p50 ${ms(r.latencyMs.p50)}  p90 ${ms(r.latencyMs.p90)}  p99 ${ms(r.latencyMs.p99)}  max ${ms(r.latencyMs.max)}  mean ${ms(r.latencyMs.mean)}`,
    );
  }
  lines.push(
    `  messages: ${r.messages.toWorker} to the worker, ${r.messages.toHost} to the host (${r.logs.invocation} invocation logs, ${r.logs.other} other logs)`,
  );
  const status = r.statusSent
    ? r.statusEchoed
      ? 'yes'
      : 'no'
    : r.workerCapabilities.includes('WorkerStatus')
      ? 'not sent (the run ended before it)'
      : 'not sent (no WorkerStatus capability)';
  lines.push(
    `  status request echoed: ${status};  worker exit: ${r.worker.signal ?? r.worker.exitCode ?? 'still running'}`,
  );
  if (r.outcome !== 'ok' && r.worker.stderrTail.length > 0) {
    lines.push('  worker stderr (last lines):');
    for (const l of r.worker.stderrTail) lines.push(`    | ${l}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Exit code of `functape host`: 0 ok, 1 unexpected answers, 3 the worker broke. */
export function hostExitCode(r: HostReport): number {
  return r.outcome === 'ok' ? 0 : r.outcome === 'unexpected' ? 1 : 3;
}
