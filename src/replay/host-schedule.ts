import type { CausalPlan, GateRef, PlanStep } from './causal-plan.js';
import { createMinHeap, type MinHeap } from './min-heap.js';
import { scaledDelay, type Pace } from './pace.js';

/**
 * The scheduler of a host replay: which recorded host message may be sent, and when.
 * It is the seam where the schedule can be changed: a `CausalPlan` is data (each step's
 * message, the events it waits for, its recorded delay after the one that released it), so
 * a tool that drops steps (minimize), delays or reorders them (faults) or adds its own
 * (conformance) hands the scheduler another plan, or another `Pace`.
 *
 * Invariants: a step is released only when every event its gate names has happened, its
 * prefix conditions hold and it is below the limit; an invocation also needs an in-flight
 * slot; a released step is due its paced delay after its gate opened (never before the
 * release) and due steps come out by due time, then recorded order.
 */
export interface ScheduleState {
  readonly steps: StepState[];
  readonly stepBySeq: ReadonlyMap<number, StepState>;
  /** Steps waiting for each gate event (`type:seq`). */
  readonly dependents: ReadonlyMap<string, StepState[]>;
  readonly happened: Set<string>;
  /** Released steps by due time, then recorded order: what to send next. */
  readonly due: MinHeap<StepState>;
  /** Steps whose explicit gate is open but that wait for a prefix (all sent/answered) or the limit. */
  readonly parked: Set<StepState>;
  /** Invocations whose gate is open, waiting for an in-flight slot, in recorded order. */
  readonly throttled: MinHeap<StepState>;
  /** Recorded ids of invocations released and not finished. */
  readonly openInvocations: Set<string>;
  readonly maxInFlight: number;
  readonly pace: Pace;
  /** Whether every recorded answer before this seq is resolved (the `afterAllAnswered` prefix). */
  readonly answeredBefore: (seq: number) => boolean;
  /** Index of the first step not sent yet. */
  firstUnsent: number;
  /** Only steps with index < limit are released. */
  limit: number;
  sentCount: number;
}

/** One recorded host message and where it stands live. */
export interface StepState {
  step: PlanStep;
  index: number;
  /** Gate events not happened yet. */
  pending: number;
  releasedAtMs?: number;
  /** When the gate opened (an invocation may then still wait for an in-flight slot). */
  gateOpenAtMs?: number;
  dueMs?: number;
  sentAtMs?: number;
  /** The message built ahead of its due time, valid while the id map's version is `preparedAt`. */
  prepared?: Uint8Array;
  preparedAt?: number;
}

export interface ScheduleOptions {
  pace: Pace;
  /** At most this many invocations released and unfinished at once (0 or absent: no limit). */
  maxInFlight?: number;
  answeredBefore: (seq: number) => boolean;
}

const refKey = (r: GateRef) => `${r.type}:${r.seq}`;

export function createSchedule(plan: CausalPlan, options: ScheduleOptions): ScheduleState {
  const steps: StepState[] = plan.steps.map((step, index) => ({ step, index, pending: 0 }));
  const dependents = new Map<string, StepState[]>();
  for (const s of steps)
    for (const r of s.step.after) {
      s.pending++;
      const list = dependents.get(refKey(r)) ?? [];
      list.push(s);
      dependents.set(refKey(r), list);
    }
  return {
    steps,
    stepBySeq: new Map(steps.map((s) => [s.step.frame.seq, s])),
    dependents,
    happened: new Set(),
    due: createMinHeap<StepState>(
      (x, y) => x.dueMs! < y.dueMs! || (x.dueMs === y.dueMs && x.index < y.index),
    ),
    parked: new Set(),
    throttled: createMinHeap<StepState>((x, y) => x.index < y.index),
    openInvocations: new Set(),
    maxInFlight:
      options.maxInFlight && options.maxInFlight > 0 ? options.maxInFlight : Number.POSITIVE_INFINITY,
    pace: options.pace,
    answeredBefore: options.answeredBefore,
    firstUnsent: 0,
    limit: steps.length,
    sentCount: 0,
  };
}

/** Whether a step whose explicit gate is open may be released now (limit and prefix conditions). */
export function prefixHolds(st: ScheduleState, s: StepState): boolean {
  if (s.index >= st.limit) return false;
  if (s.step.afterAllSent && st.firstUnsent < s.index) return false;
  if (s.step.afterAllAnswered && !st.answeredBefore(s.step.frame.seq)) return false;
  return true;
}

/** Release a step whose explicit gate is open, park it until its prefix holds, or queue it for a slot. */
export function consider(st: ScheduleState, s: StepState, nowMs: number): void {
  if (s.releasedAtMs !== undefined || s.pending > 0) return;
  if (!prefixHolds(st, s)) {
    st.parked.add(s);
    return;
  }
  st.parked.delete(s);
  s.gateOpenAtMs ??= nowMs;
  // A duplicate (faults) resends an invocation already counted: it takes no slot of its own.
  const iid =
    s.step.frame.kind === 'invocationRequest' && s.step.copyOf === undefined
      ? s.step.frame.invocationId
      : undefined;
  if (iid !== undefined) {
    if (st.openInvocations.size >= st.maxInFlight) {
      st.throttled.push(s);
      return;
    }
    st.openInvocations.add(iid);
  }
  s.releasedAtMs = nowMs;
  s.dueMs = Math.max(
    nowMs,
    s.gateOpenAtMs + scaledDelay(s.step.delayMs, st.pace) + (s.step.extraDelayMs ?? 0),
  );
  st.due.push(s);
}

/** Consider every step (the stream started, or the limit was raised). */
export function considerAll(st: ScheduleState, nowMs: number): void {
  for (const s of st.steps) consider(st, s, nowMs);
}

/** A gate event happened live: open what waited for it (each event counts once). */
export function happen(st: ScheduleState, r: GateRef, nowMs: number): void {
  const k = refKey(r);
  if (st.happened.has(k)) return;
  st.happened.add(k);
  for (const s of st.dependents.get(k) ?? []) {
    s.pending--;
    consider(st, s, nowMs);
  }
}

/** An invocation is over live (answered, missing or given up on): its slot goes to the next throttled one. */
export function finishInvocation(st: ScheduleState, invocationId: string | undefined, nowMs: number): void {
  if (invocationId === undefined || !st.openInvocations.delete(invocationId)) return;
  while (st.throttled.size > 0 && st.openInvocations.size < st.maxInFlight)
    consider(st, st.throttled.pop()!, nowMs);
}

/** Re-examine parked steps (a prefix may hold now). */
export function unpark(st: ScheduleState, nowMs: number): void {
  if (st.parked.size > 0) for (const s of [...st.parked]) consider(st, s, nowMs);
}

/** The next due step if it is due by `nowMs` (taken off the queue), else undefined. */
export function takeDue(st: ScheduleState, nowMs: number): StepState | undefined {
  const head = st.due.peek();
  return head && head.dueMs! <= nowMs ? st.due.pop() : undefined;
}

/** Record that a step was sent and open the gates that wait for its sending. */
export function markSent(st: ScheduleState, s: StepState, nowMs: number): void {
  s.sentAtMs = nowMs;
  s.prepared = undefined;
  st.sentCount++;
  while (st.firstUnsent < st.steps.length && st.steps[st.firstUnsent]!.sentAtMs !== undefined)
    st.firstUnsent++;
  happen(st, { type: 'sent', seq: s.step.frame.seq }, nowMs);
}
