import { encodeMessage, makeMessage } from '../../codec/streaming-message.js';
import { SETUP_KINDS, type CausalPlan, type GateRef, type PlanStep } from '../causal-plan.js';
import type { HostFault } from './fault-spec.js';
import { mark, type FaultContext, type FaultSchedule } from './fault-schedule.js';
import type { Prng } from './prng.js';

/**
 * The schedule transformations, one per fault: each takes the schedule so far and returns
 * the next. Pure but for the PRNG draws, which come in plan order. Invariant kept: every
 * gate a step names is an event of a step or answer still in the plan, so the faulted plan
 * still plays to its end.
 */
type Transform<F extends HostFault> = (s: FaultSchedule, f: F, rng: Prng, ctx: FaultContext) => FaultSchedule;

const withSteps = (s: FaultSchedule, steps: PlanStep[]): FaultSchedule => ({
  ...s,
  plan: { ...s.plan, steps },
});

const note = (s: FaultSchedule, fault: string, detail: string, recordedSeq?: number) =>
  s.notes.push(recordedSeq === undefined ? { fault, detail } : { fault, detail, recordedSeq });

export const delay: Transform<Extract<HostFault, { type: 'delay' }>> = (s, f, rng, ctx) => {
  let n = 0;
  const steps = s.plan.steps.map((step) => {
    if (step.frame.kind !== f.kind || (f.functionName && ctx.functionOf(step) !== f.functionName))
      return step;
    n++;
    const ms = Math.round(f.ms + (f.jitterMs > 0 ? rng.next() * f.jitterMs : 0));
    return { ...mark(step, 'delay', `held ${ms} ms longer`), extraDelayMs: (step.extraDelayMs ?? 0) + ms };
  });
  if (n === 0) note(s, 'delay', `no ${f.kind}${f.functionName ? ` of ${f.functionName}` : ''} to delay`);
  return withSteps(s, steps);
};

/** Host messages a real host sends in any order once their gates are open. */
const REORDERABLE = new Set(['invocationRequest', 'workerStatusRequest']);
/** A shuffle stays within this many neighbours: the recorded load shape is kept. */
const REORDER_WINDOW = 8;

export const reorder: Transform<{ type: 'reorder' }> = (s, _f, rng) => {
  const steps = [...s.plan.steps];
  for (let i = 0; i < steps.length; ) {
    let j = i;
    while (j < steps.length && j - i < REORDER_WINDOW && REORDERABLE.has(steps[j]!.frame.kind)) j++;
    if (j - i < 2) {
      i = Math.max(j, i + 1);
      continue;
    }
    const window = steps.slice(i, j);
    const order = window.map((_, k) => k);
    for (let k = order.length - 1; k > 0; k--) {
      const r = rng.below(k + 1);
      [order[k], order[r]] = [order[r]!, order[k]!];
    }
    // Each moved step takes its new slot's recorded delay, so paced replays keep the new order too.
    order.forEach((from, to) => {
      const moved = window[from]!;
      steps[i + to] =
        from === to
          ? moved
          : {
              ...mark(
                moved,
                'reorder',
                `sent ${to - from > 0 ? to - from : from - to} place(s) ${to > from ? 'later' : 'earlier'} than recorded`,
              ),
              delayMs: window[to]!.delayMs,
            };
    });
    i = j;
  }
  return withSteps(s, steps);
};

/** Drop every gate on an answer of these kinds, keeping the step's other gates. */
function ungate(
  s: FaultSchedule,
  stepKinds: ReadonlySet<string>,
  answerKinds: ReadonlySet<string>,
  fault: string,
): FaultSchedule {
  const kindOf = new Map(s.plan.answers.map((a) => [a.frame.seq, a.frame.kind]));
  let n = 0;
  const steps = s.plan.steps.map((step) => {
    if (!stepKinds.has(step.frame.kind)) return step;
    const after = step.after.filter((r) => r.type !== 'answer' || !answerKinds.has(kindOf.get(r.seq) ?? ''));
    if (after.length === step.after.length) return step;
    n++;
    return { ...mark(step, fault, `released before the ${[...answerKinds].join('/')} answer`), after };
  });
  if (n === 0) note(s, fault, `no ${[...stepKinds].join('/')} waits for a ${[...answerKinds].join('/')}`);
  return withSteps(s, steps);
}

const LOADS = new Set(['functionLoadRequest', 'functionLoadRequestCollection']);

export const earlyLoad: Transform<{ type: 'early-load' }> = (s) =>
  ungate(
    s,
    LOADS,
    new Set(['workerInitResponse', 'functionMetadataResponse', 'functionEnvironmentReloadResponse']),
    'early-load',
  );

export const earlyInvoke: Transform<{ type: 'early-invoke' }> = (s) => {
  // The invocation waits for its load to be sent instead of answered.
  const loadAnswers = new Map(
    s.plan.answers
      .filter(
        (a) => a.frame.kind === 'functionLoadResponse' || a.frame.kind === 'functionLoadResponseCollection',
      )
      .map((a) => [a.frame.seq, a.trigger]),
  );
  let n = 0;
  const steps = s.plan.steps.map((step) => {
    if (step.frame.kind !== 'invocationRequest') return step;
    const after: GateRef[] = step.after.map((r) => {
      const load = r.type === 'answer' ? loadAnswers.get(r.seq) : undefined;
      return load === undefined ? r : { type: 'sent', seq: load };
    });
    if (after.every((r, i) => r === step.after[i])) return step;
    n++;
    return { ...mark(step, 'early-invoke', 'released once its load was sent, before its answer'), after };
  });
  if (n === 0) note(s, 'early-invoke', 'no invocation waits for a load answer');
  return withSteps(s, steps);
};

/** Environment reloads move after the function loads (just before the first invocation). */
export const lateReload: Transform<{ type: 'late-reload' }> = (s) => {
  const isReload = (st: PlanStep) => st.frame.kind === 'functionEnvironmentReloadRequest';
  const reloads = s.plan.steps.filter(isReload);
  if (reloads.length === 0) {
    note(s, 'late-reload', 'the recording has no environment reload: nothing moved');
    return s;
  }
  const ungated = ungate(
    { ...s, plan: { ...s.plan, steps: s.plan.steps.filter((st) => !isReload(st)) } },
    SETUP_KINDS,
    new Set(['functionEnvironmentReloadResponse']),
    'late-reload',
  ).plan.steps;
  const end = ungated.findIndex((st) => !SETUP_KINDS.has(st.frame.kind));
  const at = end < 0 ? ungated.length : end;
  const moved = reloads.map((r) => mark(r, 'late-reload', 'sent after the function loads'));
  return withSteps(s, [...ungated.slice(0, at), ...moved, ...ungated.slice(at)]);
};

export const cancel: Transform<Extract<HostFault, { type: 'cancel' }>> = (s, f, _rng, ctx) => {
  const steps: PlanStep[] = [];
  for (const step of s.plan.steps) {
    steps.push(step);
    const iid = step.frame.invocationId;
    if (step.frame.kind !== 'invocationRequest' || !iid || ctx.functionOf(step) !== f.functionName) continue;
    const bytes = encodeMessage(
      makeMessage({ content: { case: 'invocationCancel', value: { invocationId: iid } } }),
    );
    const frame = {
      seq: ctx.nextSeq(),
      direction: 'toWorker' as const,
      tNs: step.frame.tNs,
      kind: 'invocationCancel',
      bytes,
      invocationId: iid,
    };
    steps.push(
      mark(
        {
          frame,
          after: [{ type: 'sent', seq: step.frame.seq }],
          afterAllSent: false,
          afterAllAnswered: false,
          delayMs: 0,
          extraDelayMs: f.afterMs,
        },
        'cancel',
        `InvocationCancel for recorded seq ${step.frame.seq} (${f.functionName}), ${f.afterMs} ms after it`,
        true,
      ),
    );
    if (!s.tolerance.has(iid)) s.tolerance.set(iid, 'may-cancel');
  }
  if (steps.length === s.plan.steps.length) note(s, 'cancel', `no invocation of ${f.functionName} to cancel`);
  return withSteps(s, steps);
};

export const dup: Transform<Extract<HostFault, { type: 'dup' }>> = (s, f, rng, ctx) => {
  const steps: PlanStep[] = [];
  for (const step of s.plan.steps) {
    steps.push(step);
    if (step.frame.kind !== f.kind || !rng.chance(f.percent)) continue;
    const src = step.frame;
    steps.push(
      mark(
        {
          frame: { ...src, seq: ctx.nextSeq() },
          after: [{ type: 'sent', seq: src.seq }],
          afterAllSent: false,
          afterAllAnswered: false,
          delayMs: 0,
          copyOf: src.seq,
        },
        'dup',
        `recorded seq ${src.seq} (${src.kind}) sent a second time`,
        true,
      ),
    );
    s.copied.add(src.seq);
    if (src.kind === 'invocationRequest' && src.invocationId) s.tolerance.set(src.invocationId, 'twice');
    if (src.kind === 'workerStatusRequest' && src.requestId) s.twiceRequests.add(src.requestId);
  }
  if (steps.length === s.plan.steps.length) note(s, 'dup', `no ${f.kind} was drawn at ${f.percent}%`);
  return withSteps(s, steps);
};

export const drop: Transform<Extract<HostFault, { type: 'drop' }>> = (s, f, rng) => {
  const dropped = new Set<number>();
  const droppedInvocations = new Set<string>();
  for (const step of s.plan.steps) {
    const fr = step.frame;
    if (fr.kind !== f.kind || !rng.chance(f.percent)) continue;
    dropped.add(fr.seq);
    note(s, 'drop', `${fr.kind} never sent`, fr.seq);
    if (fr.kind === 'invocationRequest' && fr.invocationId) droppedInvocations.add(fr.invocationId);
    if (fr.kind === 'invocationCancel' && fr.invocationId) s.tolerance.set(fr.invocationId, 'uncompared');
  }
  if (dropped.size === 0) note(s, 'drop', `no ${f.kind} was drawn at ${f.percent}%`);
  const steps = s.plan.steps
    .filter((st) => !dropped.has(st.frame.seq))
    .map((st) =>
      st.after.some((r) => dropped.has(r.seq))
        ? { ...st, after: st.after.filter((r) => !dropped.has(r.seq)) }
        : st,
    );
  // A dropped request expects no answer: its own answers (and an invocation's logs) go too.
  const answers = s.plan.answers.filter(
    (a) =>
      !(a.trigger !== undefined && dropped.has(a.trigger) && a.frame.kind !== 'invocationResponse') &&
      !(a.frame.invocationId && droppedInvocations.has(a.frame.invocationId)),
  );
  // No gate may wait for an answer that is no longer expected.
  const gone = new Set(s.plan.answers.filter((a) => !answers.includes(a)).map((a) => a.frame.seq));
  const ungated =
    gone.size === 0
      ? steps
      : steps.map((st) => ({
          ...st,
          after: st.after.filter((r) => r.type !== 'answer' || !gone.has(r.seq)),
        }));
  const plan: CausalPlan = { ...s.plan, steps: ungated, answers };
  return { ...s, plan };
};
