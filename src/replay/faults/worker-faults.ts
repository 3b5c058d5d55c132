import type { InjectedFault } from '../../report/fault-report.js';
import type { ScheduledAnswer } from '../worker-responder.js';
import type { WorkerFault } from './fault-spec.js';
import { createPrng, type Prng } from './prng.js';

/**
 * `replay worker --fault`: what the recorded worker's answers become toward a live host,
 * as a pure step per host message (the PRNG draws in message order, so the same seed gives
 * the same faults against the same host behaviour).
 */
export interface WorkerFaultState {
  readonly faults: readonly WorkerFault[];
  readonly rng: Prng;
  readonly injected: InjectedFault[];
  received: number;
}

export function createWorkerFaultState(faults: readonly WorkerFault[], seed: number): WorkerFaultState {
  return { faults, rng: createPrng(seed), injected: [], received: 0 };
}

/** One answer to send, `extraMs` later than its paced time. */
export interface FaultedAnswer {
  answer: ScheduledAnswer;
  extraMs: number;
}

/**
 * The answers to one live host message with the faults applied: an invocation of a
 * delayed function answers `ms` later, a dropped answer is never sent (its logs still
 * are), and `crash` says to reset the stream now, before answering (mid-invocation).
 */
export function faultAnswers(
  st: WorkerFaultState,
  message: { kind: string; functionName?: string },
  answers: readonly ScheduledAnswer[],
): { answers: FaultedAnswer[]; crash: boolean } {
  const at = ++st.received;
  if (st.faults.some((f) => f.type === 'crash' && f.afterMessages === at)) {
    st.injected.push({
      at,
      fault: 'crash',
      detail: `stream reset on receiving host message ${at} (${message.kind})`,
    });
    return { answers: [], crash: true };
  }
  const out: FaultedAnswer[] = answers.map((answer) => ({ answer, extraMs: 0 }));
  if (message.kind !== 'invocationRequest') return { answers: out, crash: false };
  for (const f of st.faults) {
    if (f.type === 'crash' || f.functionName !== message.functionName) continue;
    if (f.type === 'delay-answer') {
      for (const a of out) a.extraMs += f.ms;
      st.injected.push({ at, fault: 'delay-answer', detail: `${f.functionName} answered ${f.ms} ms later` });
    } else if (st.rng.chance(f.percent)) {
      const i = out.findIndex((a) => a.answer.kind === 'invocationResponse');
      if (i >= 0) out.splice(i, 1);
      st.injected.push({
        at,
        fault: 'drop-answer',
        detail: `${f.functionName}: InvocationResponse never sent`,
      });
    }
  }
  return { answers: out, crash: false };
}
