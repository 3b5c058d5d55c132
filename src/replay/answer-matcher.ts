import type { ReplayOutcome } from '../report/replay-report.js';
import { createAnswerKeyer, type AnswerIds, type AnswerKeyer } from './answer-key.js';
import type { CausalPlan } from './causal-plan.js';
import { indexExpectedAnswers, type AnswerState, type ExpectedAnswers } from './expected-answers.js';
import type { LogGroup } from './log-group-outcome.js';
import { LOG_KIND } from './replay-frame.js';

/**
 * The matcher of a host replay: which recorded answer a live worker message belongs to,
 * and which expected answers are overdue. Live answers are matched by kind + correlation
 * key in the recording's id space, never by position.
 *
 * Invariants: each expected answer resolves exactly once (matched, differed or missing);
 * an answer can time out only after its trigger was sent (`arm`); `firstUnresolved` is the
 * index of the first unresolved answer in recorded order.
 */
export interface MatcherState {
  readonly expected: ExpectedAnswers;
  readonly keyer: AnswerKeyer;
  /** The recording has a StartStream (a recording that starts mid-stream has none to compare). */
  readonly hasStartStream: boolean;
  /** Answers whose trigger was sent and that are not resolved: they may time out. */
  readonly inFlight: Set<AnswerState>;
  /** Log groups whose trigger was sent and that have fewer live logs than recorded. */
  readonly logsInFlight: Set<LogGroup>;
  /**
   * Invocations the recorded worker never answered (it crashed, hung or the recording was
   * cut), by recorded id → deadline: after sending one, the replay stays open for the answer
   * timeout, so that a live answer shows as unexpected and a live crash as a broken stream.
   */
  readonly watching: Map<string, number>;
  readonly answeredInvocations: ReadonlySet<string>;
  firstUnresolved: number;
}

/** What a live worker message is, in the recording's terms. */
export type LiveMatch =
  | { type: 'log'; group: LogGroup }
  /** A StartStream when the recording has none to compare it with. */
  | { type: 'ignored' }
  /** No recorded answer has this kind and key. */
  | { type: 'extra'; key: string; invocationId?: string }
  /** The answer was already declared missing: it came after the answer timeout. */
  | { type: 'late'; answer: AnswerState }
  /** A second answer with the key of one already matched. */
  | { type: 'again'; key: string }
  | { type: 'answer'; answer: AnswerState };

export function createMatcher(plan: CausalPlan): MatcherState {
  const expected = indexExpectedAnswers(plan);
  return {
    expected,
    keyer: createAnswerKeyer(expected.statusIds),
    hasStartStream: plan.answers.some((a) => a.frame.kind === 'startStream'),
    inFlight: new Set(),
    logsInFlight: new Set(),
    watching: new Map(),
    answeredInvocations: new Set(
      expected.answers
        .filter((a) => a.expected.frame.kind === 'invocationResponse')
        .map((a) => a.expected.frame.invocationId!),
    ),
    firstUnresolved: 0,
  };
}

/**
 * Classify a live message by its kind and ids, already mapped to the recording's. Call once
 * per message: keys of kinds without a correlation id count occurrences. A live RpcLog's
 * group is created here when the recording has none.
 */
export function matchLive(st: MatcherState, d: AnswerIds): LiveMatch {
  const key = st.keyer.key(d);
  if (d.kind === LOG_KIND) {
    let g = st.expected.logGroups.get(key);
    if (!g) {
      g = {
        key,
        trigger: undefined,
        recorded: [],
        live: [],
        firstSeq: Number.MAX_SAFE_INTEGER,
        invocationId: d.invocationId,
      };
      st.expected.logGroups.set(key, g);
    }
    return { type: 'log', group: g };
  }
  const a = st.expected.byKey.get(key);
  if (!a) {
    if (d.kind === 'startStream' && !st.hasStartStream) return { type: 'ignored' };
    return d.invocationId === undefined
      ? { type: 'extra', key }
      : { type: 'extra', key, invocationId: d.invocationId };
  }
  if (a.outcome) return a.outcome.status === 'missing' ? { type: 'late', answer: a } : { type: 'again', key };
  return { type: 'answer', answer: a };
}

/** A live log arrived for its group: the group stops waiting once as many arrived as were recorded. */
export function addLiveLog(st: MatcherState, g: LogGroup, bytes: Uint8Array): void {
  g.live.push(bytes);
  if (g.live.length >= g.recorded.length) st.logsInFlight.delete(g);
}

/** The host message of this recorded seq (undefined: the stream start) was sent: its answers may now time out. */
export function armTriggered(st: MatcherState, triggerSeq: number | undefined, deadlineMs: number): void {
  for (const x of st.expected.byTrigger.get(triggerSeq) ?? []) {
    x.deadlineMs = deadlineMs;
    if ('expected' in x) {
      if (!x.outcome) st.inFlight.add(x);
    } else if (x.recorded.length > x.live.length) st.logsInFlight.add(x);
  }
}

/** An invocation was sent: watch it if the recorded worker never answered it. */
export function watchIfUnanswered(
  st: MatcherState,
  invocationId: string | undefined,
  deadlineMs: number,
): void {
  if (invocationId && !st.answeredInvocations.has(invocationId)) st.watching.set(invocationId, deadlineMs);
}

/** Record an answer's outcome and advance `firstUnresolved`. */
export function settle(st: MatcherState, a: AnswerState, outcome: ReplayOutcome): void {
  a.outcome = outcome;
  st.inFlight.delete(a);
  const answers = st.expected.answers;
  while (st.firstUnresolved < answers.length && answers[st.firstUnresolved]!.outcome) st.firstUnresolved++;
}

/** Whether every recorded non-log answer before this seq is resolved. */
export function answeredBefore(st: MatcherState, seq: number): boolean {
  const answers = st.expected.answers;
  return st.firstUnresolved >= answers.length || answers[st.firstUnresolved]!.expected.frame.seq >= seq;
}

/** What is overdue at `nowMs`: answers to declare missing, watched invocations to give up on. */
export function overdue(st: MatcherState, nowMs: number): { answers: AnswerState[]; invocations: string[] } {
  const answers: AnswerState[] = [];
  for (const a of st.inFlight) if (a.deadlineMs! <= nowMs) answers.push(a);
  const invocations: string[] = [];
  for (const [iid, deadline] of st.watching) if (deadline <= nowMs) invocations.push(iid);
  for (const iid of invocations) st.watching.delete(iid);
  return { answers, invocations };
}

/** The earliest deadline still open (expired log groups stop waiting here), or undefined. */
export function nextDeadline(st: MatcherState, nowMs: number): number | undefined {
  let t: number | undefined;
  const wake = (x: number) => {
    if (t === undefined || x < t) t = x;
  };
  for (const a of st.inFlight) wake(a.deadlineMs!);
  for (const g of st.logsInFlight) {
    // Deleting the entry being visited is safe in Set iteration.
    if (g.deadlineMs! <= nowMs) st.logsInFlight.delete(g);
    else wake(g.deadlineMs!);
  }
  for (const deadline of st.watching.values()) wake(deadline);
  return t;
}

/** The answer's outcome with the names the report shows. */
export function describeOutcome(
  st: MatcherState,
  a: AnswerState,
  status: ReplayOutcome['status'],
  differences: ReplayOutcome['differences'],
  note?: string,
): ReplayOutcome {
  const f = a.expected.frame;
  const { invocationFunction, functionName } = st.expected;
  const fn = f.functionId ?? (f.invocationId ? invocationFunction.get(f.invocationId) : undefined);
  const o: ReplayOutcome = { kind: f.kind, key: a.key, status, recordedSeq: f.seq, differences };
  if (f.invocationId) o.invocationId = f.invocationId;
  if (fn) o.functionId = fn;
  if (fn && functionName.has(fn)) o.functionName = functionName.get(fn)!;
  if (note) o.note = note;
  return o;
}
