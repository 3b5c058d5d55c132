import type { CausalPlan, PlanStep } from '../causal-plan.js';
import { functionNames } from '../rewrite-host-message.js';
import type { InjectedFault } from '../../report/fault-report.js';

/**
 * How a faulted invocation's answer is judged: `may-cancel` (a fault cancelled it:
 * `Cancelled` or its recorded answer), `uncompared` (its cancel was dropped: any answer,
 * or none, is right), `twice` (its request was sent twice: a second answer is right).
 * Its RpcLogs are not compared in any of these cases.
 */
export type Tolerance = 'may-cancel' | 'uncompared' | 'twice';

/**
 * A causal plan with faults applied, plus what the engine and the driver need to judge
 * and perform them. Plain data: the same plan, faults and seed give the same schedule.
 */
export interface FaultSchedule {
  plan: CausalPlan;
  /** Faults decided up front that no send shows (drops, moved gates, faults that matched nothing). */
  notes: InjectedFault[];
  /** Recorded invocation id → how its answer is judged. */
  tolerance: Map<string, Tolerance>;
  /** Recorded status request ids sent twice: their second answer is right. */
  twiceRequests: Set<string>;
  /** Recorded seqs whose sent bytes a duplicate sends again. */
  copied: Set<number>;
  /** Stop reading the worker's stream for `ms` every `everyMs` (the driver does it). */
  stall?: { ms: number; everyMs: number };
  /** End the stream abruptly after this many host messages (the driver does it). */
  breakAfter?: number;
}

/** What a transformation may read and allocate besides the plan. */
export interface FaultContext {
  /** A seq no recorded frame has, for an added message. */
  nextSeq(): number;
  /** A step's function name (invocations, loads, cancels), or undefined. */
  functionOf(step: PlanStep): string | undefined;
}

export function createFaultContext(plan: CausalPlan): FaultContext {
  let seq = 0;
  const names = new Map<string, string>();
  const invocationFn = new Map<string, string>();
  for (const s of plan.steps) {
    seq = Math.max(seq, s.frame.seq);
    if (s.frame.kind === 'functionLoadRequest' || s.frame.kind === 'functionLoadRequestCollection')
      for (const f of functionNames(s.frame.bytes)) if (f.name) names.set(f.functionId, f.name);
    if (s.frame.kind === 'invocationRequest' && s.frame.invocationId)
      invocationFn.set(s.frame.invocationId, s.frame.functionId ?? '');
  }
  for (const a of plan.answers) seq = Math.max(seq, a.frame.seq);
  const nameOf = (id: string | undefined) => (id === undefined ? undefined : (names.get(id) ?? id));
  return {
    nextSeq: () => ++seq,
    functionOf(step) {
      const f = step.frame;
      if (f.kind === 'invocationCancel') return nameOf(invocationFn.get(f.invocationId ?? ''));
      return nameOf(f.functionId);
    },
  };
}

/** The step with a fault's note added (a step may carry several, joined). */
export function mark(step: PlanStep, fault: string, detail: string, added = false): PlanStep {
  const prev = step.fault;
  const f = prev
    ? { fault: `${prev.fault}+${fault}`, detail: `${prev.detail}; ${detail}` }
    : { fault, detail };
  return { ...step, fault: added || prev?.added ? { ...f, added: true } : f };
}
