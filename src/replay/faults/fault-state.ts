import { decodeMessage } from '../../codec/streaming-message.js';
import type { FaultReport, InjectedFault } from '../../report/fault-report.js';
import { formatFault, type HostFault, type WorkerFault } from './fault-spec.js';
import type { ReplayOutcome } from '../../report/replay-report.js';
import type { PlanStep } from '../causal-plan.js';
import type { FaultSchedule } from './fault-schedule.js';

/** InvocationResponse result status Cancelled (StatusResult.Status). */
const CANCELLED = 2;

/**
 * A host replay's faults while it runs: the schedule, what was injected so far, and the
 * bytes a duplicate must resend. The engine calls these hooks; the judging rules are the
 * verdict rules of docs/RELIABILITY.md ("Replay with faults").
 */
export interface FaultState {
  readonly schedule: FaultSchedule;
  /** Every fault performed so far, in order (the up-front notes first). */
  readonly injected: InjectedFault[];
  readonly sentBytes: Map<number, Uint8Array>;
  /** Set by the driver when the faulted schedule could not go on (a functape bug, reported as a failure). */
  stuck?: boolean;
}

export function createFaultState(schedule: FaultSchedule): FaultState {
  return { schedule, injected: [...schedule.notes], sentBytes: new Map() };
}

/** The bytes a duplicate sends (the ones sent for its original), or undefined for any other step. */
export function copiedBytes(fs: FaultState, step: PlanStep): Uint8Array | undefined {
  return step.copyOf === undefined ? undefined : fs.sentBytes.get(step.copyOf);
}

/** A step was sent as `bytes`, the `at`-th host message: keep what a duplicate needs, list its fault. */
export function onSent(fs: FaultState, step: PlanStep, bytes: Uint8Array, at: number): void {
  if (fs.schedule.copied.has(step.frame.seq)) fs.sentBytes.set(step.frame.seq, bytes);
  if (!step.fault) return;
  fs.injected.push({
    at,
    ...(step.fault.added ? {} : { recordedSeq: step.frame.seq }),
    fault: step.fault.fault,
    detail: step.fault.detail,
  });
}

/**
 * A live InvocationResponse for a faulted invocation: the note that makes it right without
 * a diff, or undefined to compare it with the recorded answer as usual.
 */
export function toleratedAnswer(
  fs: FaultState,
  recordedIid: string | undefined,
  live: Uint8Array,
): string | undefined {
  const t = recordedIid === undefined ? undefined : fs.schedule.tolerance.get(recordedIid);
  if (t === 'uncompared') return 'not compared: its InvocationCancel was dropped by a fault';
  if (t !== 'may-cancel') return undefined;
  try {
    const m = decodeMessage(live);
    if (m.content.case === 'invocationResponse' && m.content.value.result?.status === CANCELLED)
      return 'Cancelled, as a fault cancelled it';
  } catch {
    // undecodable: compared (and reported) as usual
  }
  return undefined;
}

/** A second answer that a duplicated request makes right. */
export function secondAnswerAllowed(
  fs: FaultState,
  recordedIid?: string,
  recordedRequestId?: string,
): boolean {
  return (
    (recordedIid !== undefined && fs.schedule.tolerance.get(recordedIid) === 'twice') ||
    (recordedRequestId !== undefined && fs.schedule.twiceRequests.has(recordedRequestId))
  );
}

/** An expected answer that may go missing: the invocation's cancel was dropped. */
export function missingAllowed(fs: FaultState, recordedIid: string | undefined): boolean {
  return recordedIid !== undefined && fs.schedule.tolerance.get(recordedIid) === 'uncompared';
}

/** A faulted invocation's RpcLogs are not compared: a failing log group becomes matched with a note. */
export function tolerateLogs(fs: FaultState, o: ReplayOutcome, recordedIid: string | undefined): void {
  if (recordedIid === undefined || !fs.schedule.tolerance.has(recordedIid)) return;
  if (o.status !== 'differed' && o.status !== 'missing') return;
  o.status = 'matched';
  o.differences = [];
  o.note = 'logs not compared: a fault changed this invocation';
}

/** The report's faults section: the specs as typed, the seed and what was injected. */
export function faultReport(
  specs: ReadonlyArray<HostFault | WorkerFault>,
  seed: number,
  injected: InjectedFault[],
  stuck = false,
): FaultReport {
  const r: FaultReport = { seed, specs: specs.map(formatFault), injected };
  if (stuck)
    r.failure =
      'functape: the faulted schedule stopped with host messages unsent (a functape bug: please report it)';
  return r;
}
