import { describe } from '../codec/describe.js';
import { createSecretMask, type SecretMask } from '../codec/secret-mask.js';
import type { ReplayOutcome } from '../report/replay-report.js';
import { createAnswerComparer, type AnswerComparer } from './answer-comparer.js';
import * as M from './answer-matcher.js';
import { moveDirectory, type DirectoryMove } from './app-directory.js';
import { SETUP_KINDS, type CausalPlan } from './causal-plan.js';
import { compareLogGroup, comparableView, type CompareOptions } from './compare-answers.js';
import type { AnswerState } from './expected-answers.js';
import * as S from './host-schedule.js';
import { createIdMap, type IdMap } from './id-map.js';
import { toRecordedSpace, type RecordedSpace } from './recorded-space.js';
import type { PathMatcher } from './ignore-paths.js';
import { logGroupOutcome } from './log-group-outcome.js';
import * as F from './faults/fault-state.js';
import type { Pace } from './pace.js';
import { functionNames, rewriteHostMessage } from './rewrite-host-message.js';

export interface HostEngineOptions {
  pace: Pace;
  /** How long an answer may take after its trigger was sent before it counts as missing. */
  answerTimeoutMs: number;
  ignore: PathMatcher;
  /** What is secret in answers, compared and reported as markers (default: the built-in rules). */
  secrets?: SecretMask;
  /** The worker id and startup request id the live worker was given. */
  workerId: string;
  requestId: string;
  /** Fresh ids for invocations and status requests. */
  newId: () => string;
  /** Send the app directory as it is live, not as recorded (answers are mapped back before diffing). */
  directory?: DirectoryMove;
  /**
   * At most this many invocations released and unfinished at once (0 or absent: no limit).
   * An invocation over the limit waits for a slot, then keeps what is left of its paced delay.
   */
  maxInFlight?: number;
  /**
   * Build each message this many ms before it is due (rewritten ids, moved directory), so
   * that at the due instant only the send is left (0 or absent: build when due). The bytes
   * sent are the same either way; a message built early is built again if the id map
   * changed since (it then draws a second fresh id, never sent).
   *
   * Sends come first: neither a poll that returns messages nor the poll after it builds
   * anything; they ask for a poll at once instead (`wakeAtMs` = now). A driver sends,
   * polls again at once, and only then yields to the event loop, which is when the sent
   * bytes actually leave (an in-memory or gRPC stream writes them on a later tick): a
   * build in either poll would delay them by its cost (tens to hundreds of µs).
   *
   * With it, the engine also asks for a poll REHEARSAL_MS before each send (which sends
   * nothing), so that the code and data the send needs are in the CPU's caches again
   * after a long sleep.
   */
  prepareAheadMs?: number;
  /** Faults (see faults/fault-state.ts): duplicates resend bytes, faulted answers are judged by its rules. */
  faults?: F.FaultState;
}

/** What the driver must do after a `poll`. */
export interface HostPoll {
  /** Messages to send now, in order. */
  send: Uint8Array[];
  /** When to poll again at the latest (absent: only when a message arrives). */
  wakeAtMs?: number;
  /**
   * When the next released message is due (≥ wakeAtMs when both are set): the wake-up that
   * must be on time. Other wake-ups (answer timeouts, building a message ahead) may be late
   * by a millisecond without changing what is measured.
   */
  sendAtMs?: number;
  /** Every released step is sent and every answer they expect is resolved. */
  done: boolean;
}

/**
 * The host side of a replay as a sans-IO state machine: live worker messages in
 * (`receive`), messages to send and a wake-up time out (`poll`). Knows no sockets and
 * no clock; the caller passes `nowMs` (any monotonic ms). It joins three parts: the
 * scheduler (`host-schedule.ts`: what may be sent when), the matcher (`answer-matcher.ts`:
 * which recorded answer a live one is, what is overdue) and the comparer
 * (`answer-comparer.ts`: field diffs, run when the engine has slack, never while a send is
 * due within COMPARE_SLACK_MS).
 *
 * Invariants: a step is sent only after its gate is satisfied and its paced delay after
 * the release has passed; each expected answer resolves exactly once (matched, differed
 * or missing); live answers are matched by kind + correlation key in the recording's id
 * space, never by position; only steps below `limit` are released.
 */
export interface HostEngine {
  start(nowMs: number): void;
  receive(bytes: Uint8Array, nowMs: number): void;
  poll(nowMs: number): HostPoll;
  /** Release steps with index < n only (default: all). The setup phase uses the index of the first invocation. */
  setLimit(n: number): void;
  /**
   * Resolve everything still pending as missing (or, after an interruption, `skipped`: not a
   * failure, the replay stopped before it could tell; with the log groups of those
   * invocations) and return the outcomes (call once, at the end).
   */
  finish(nowMs: number, why?: string, pending?: 'missing' | 'skipped'): ReplayOutcome[];
  /** Outcomes resolved so far (answers only, no log groups), in recorded order. */
  resolved(): ReplayOutcome[];
  readonly ids: IdMap;
  /** The live ids and directory mapped back to the recorded ones (see `toRecordedSpace`). */
  readonly space: RecordedSpace;
  readonly sent: number;
  /** True once the step of this recorded seq was sent. */
  hasSent(seq: number): boolean;
  /** Index of the first step that is not setup (init, metadata, loads, reload, warmup): the end of the setup phase. */
  readonly setupEnd: number;
}

/**
 * With `prepareAheadMs`, a poll this long before each send (see there): more than the
 * waker's final busy-wait (0.1 ms), within which a coarse wake-up no longer ends a wait.
 * Measured (bench 6, 10 ms gaps, 8 alternated runs under the lock, at 0.2 ms): p50 error
 * 23.9 → 11.8 µs; the poll that sends took 14 instead of 18 µs at the median, the rest of
 * the send path 8 instead of 13.
 */
const REHEARSAL_MS = 0.3;

/** Queued diffs run in a poll only when no send is due sooner than this (ms). */
const COMPARE_SLACK_MS = 1;

/** An id map that counts its changes: a message built before a change is built again. */
function createVersionedIds(): IdMap & { readonly version: number } {
  const idMap = createIdMap();
  let version = 0;
  return {
    set(recorded, live) {
      version++;
      idMap.set(recorded, live);
    },
    toLive: (r) => idMap.toLive(r),
    toRecorded: (l) => idMap.toRecorded(l),
    get size() {
      return idMap.size;
    },
    get version() {
      return version;
    },
  };
}

/** The engine's named state: the three parts, the id map and what joins them. */
interface EngineState {
  readonly options: HostEngineOptions;
  readonly ids: ReturnType<typeof createVersionedIds>;
  readonly space: RecordedSpace;
  readonly sched: S.ScheduleState;
  readonly matcher: M.MatcherState;
  readonly comparer: AnswerComparer;
  readonly compareOptions: CompareOptions;
  /** Live messages no recorded answer accounts for. */
  readonly extras: ReplayOutcome[];
  readonly setupEnd: number;
  /** Unresolved answers whose trigger is below the limit (the end of the current phase). */
  unresolvedInLimit: number;
  started: boolean;
  startedAtMs: number;
  /** The previous poll returned messages: this one is usually made before they have left. */
  sentLastPoll: boolean;
}

export function createHostEngine(plan: CausalPlan, options: HostEngineOptions): HostEngine {
  const e = createEngineState(plan, options);
  return {
    ids: e.ids,
    space: e.space,
    get sent() {
      return e.sched.sentCount;
    },
    setupEnd: e.setupEnd,
    hasSent: (seq) => e.sched.stepBySeq.get(seq)?.sentAtMs !== undefined,
    setLimit(n) {
      e.sched.limit = Math.min(n, e.sched.steps.length);
      countUnresolved(e);
    },
    start: (nowMs) => start(e, nowMs),
    receive: (bytes, nowMs) => receive(e, bytes, nowMs),
    poll: (nowMs) => poll(e, nowMs),
    resolved() {
      e.comparer.drain();
      return e.matcher.expected.answers.filter((a) => a.outcome).map((a) => a.outcome!);
    },
    finish: (nowMs, why, pending) => finish(e, nowMs, why, pending),
  };
}

function createEngineState(plan: CausalPlan, options: HostEngineOptions): EngineState {
  const ids = createVersionedIds();
  const space: RecordedSpace = options.directory ? { ids, directory: options.directory } : { ids };
  const matcher = M.createMatcher(plan);
  const sched = S.createSchedule(plan, {
    pace: options.pace,
    ...(options.maxInFlight !== undefined ? { maxInFlight: options.maxInFlight } : {}),
    answeredBefore: (seq) => M.answeredBefore(matcher, seq),
  });
  // Recordings index worker ids per session, not per frame: read them from the bytes.
  const startStream = plan.answers.find((a) => a.frame.kind === 'startStream');
  const startIds = startStream ? describe(startStream.frame.bytes) : undefined;
  if (startIds?.workerId) ids.set(startIds.workerId, options.workerId);
  if (startIds?.requestId) ids.set(startIds.requestId, options.requestId);
  const compareOptions: CompareOptions = {
    ignore: options.ignore,
    secrets: options.secrets ?? createSecretMask(),
    toRecordedSpace: (json) => toRecordedSpace(json, space),
  };
  const firstNonSetup = sched.steps.findIndex((s) => !SETUP_KINDS.has(s.step.frame.kind));
  const e: EngineState = {
    options,
    ids,
    space,
    sched,
    matcher,
    compareOptions,
    comparer: createAnswerComparer(compareOptions),
    extras: [],
    setupEnd: firstNonSetup < 0 ? sched.steps.length : firstNonSetup,
    unresolvedInLimit: 0,
    started: false,
    startedAtMs: 0,
    sentLastPoll: false,
  };
  countUnresolved(e);
  return e;
}

const inLimit = (e: EngineState, a: AnswerState) =>
  a.expected.trigger === undefined || (e.sched.stepBySeq.get(a.expected.trigger)?.index ?? 0) < e.sched.limit;

function countUnresolved(e: EngineState): void {
  e.unresolvedInLimit = 0;
  for (const a of e.matcher.expected.answers) if (!a.outcome && inLimit(e, a)) e.unresolvedInLimit++;
}

function resolve(e: EngineState, a: AnswerState, outcome: ReplayOutcome, nowMs: number): void {
  M.settle(e.matcher, a, outcome);
  if (a.expected.frame.kind === 'invocationResponse')
    S.finishInvocation(e.sched, a.expected.frame.invocationId, nowMs);
  if (inLimit(e, a)) e.unresolvedInLimit--;
  S.happen(e.sched, { type: 'answer', seq: a.expected.frame.seq }, nowMs);
}

function markSent(e: EngineState, s: S.StepState, nowMs: number): void {
  const f = s.step.frame;
  const deadline = nowMs + e.options.answerTimeoutMs;
  if (f.kind === 'invocationRequest') M.watchIfUnanswered(e.matcher, f.invocationId, deadline);
  M.armTriggered(e.matcher, f.seq, deadline);
  S.markSent(e.sched, s, nowMs);
}

/** The bytes to send for a step: recorded, directory moved, ids rewritten. */
function build(e: EngineState, s: S.StepState): Uint8Array {
  const copy = e.options.faults && F.copiedBytes(e.options.faults, s.step);
  if (copy) return copy;
  const bytes = moveDirectory(s.step.frame.kind, s.step.frame.bytes, e.options.directory);
  return rewriteHostMessage(s.step.frame.kind, bytes, e.ids, e.options.newId);
}

function start(e: EngineState, nowMs: number): void {
  if (e.started) return;
  e.started = true;
  e.startedAtMs = nowMs;
  M.armTriggered(e.matcher, undefined, nowMs + e.options.answerTimeoutMs);
  S.considerAll(e.sched, nowMs);
}

/** A live message no recorded answer accounts for, as reports show it: redacted, in the recording's id space. */
function extra(e: EngineState, kind: string, key: string, note: string, bytes: Uint8Array): void {
  const live = e.compareOptions.toRecordedSpace(comparableView(bytes, e.compareOptions.secrets));
  e.extras.push({ kind, key, status: 'extra', differences: [], note, live });
}

/** A live answer matched its recorded one: map function ids, time it, queue its diff, resolve it. */
function answered(e: EngineState, a: AnswerState, bytes: Uint8Array, nowMs: number): void {
  if (a.expected.frame.kind === 'functionMetadataResponse') {
    const live = new Map(functionNames(bytes).map((f) => [f.name, f.functionId]));
    for (const f of functionNames(a.expected.frame.bytes)) {
      const l = live.get(f.name);
      if (l !== undefined) e.ids.set(f.functionId, l);
    }
  }
  const outcome = M.describeOutcome(e.matcher, a, 'matched', []);
  const trigger = a.expected.trigger;
  // An answer nothing triggered is timed from the replay's start; one that came before it
  // (StartStream, read while the worker connected) has no live service time.
  const sentAt =
    trigger === undefined
      ? e.started
        ? e.startedAtMs
        : undefined
      : e.sched.stepBySeq.get(trigger)?.sentAtMs;
  if (sentAt !== undefined)
    outcome.serviceMs = { recorded: round3(a.expected.serviceMs), live: round3(nowMs - sentAt) };
  const tolerated =
    e.options.faults && F.toleratedAnswer(e.options.faults, a.expected.frame.invocationId, bytes);
  if (tolerated) outcome.note = tolerated;
  else e.comparer.defer(outcome, a.expected.frame.bytes, bytes);
  resolve(e, a, outcome, nowMs);
}

function receive(e: EngineState, bytes: Uint8Array, nowMs: number): void {
  const d = describe(bytes);
  const toRec = (id: string | undefined) => (id === undefined ? undefined : (e.ids.toRecorded(id) ?? id));
  const m = M.matchLive(e.matcher, {
    kind: d.kind,
    invocationId: toRec(d.invocationId),
    functionId: toRec(d.functionId),
    requestId: toRec(d.requestId),
  });
  switch (m.type) {
    case 'log':
      return M.addLiveLog(e.matcher, m.group, bytes);
    case 'ignored':
      return;
    case 'extra':
      if (m.invocationId && e.matcher.watching.delete(m.invocationId))
        S.finishInvocation(e.sched, m.invocationId, nowMs);
      return extra(e, d.kind, m.key, 'no recorded answer has this kind and key', bytes);
    case 'late': {
      const afterTrigger = nowMs - (m.answer.deadlineMs ?? nowMs) + e.options.answerTimeoutMs;
      m.answer.outcome!.note =
        `arrived ${Math.round(afterTrigger)} ms after its trigger, later than --answer-timeout`;
      return;
    }
    case 'again':
      if (
        e.options.faults &&
        F.secondAnswerAllowed(e.options.faults, toRec(d.invocationId), toRec(d.requestId))
      )
        return;
      return extra(e, d.kind, m.key, 'a second answer with this key', bytes);
    case 'answer':
      return answered(e, m.answer, bytes, nowMs);
  }
}

/** Declare overdue answers missing and give up on overdue watched invocations. */
function expire(e: EngineState, nowMs: number): void {
  const { answers, invocations } = M.overdue(e.matcher, nowMs);
  const note = `no answer within ${e.options.answerTimeoutMs} ms`;
  for (const a of answers) {
    const allowed = e.options.faults && F.missingAllowed(e.options.faults, a.expected.frame.invocationId);
    const o = allowed
      ? M.describeOutcome(
          e.matcher,
          a,
          'matched',
          [],
          `${note}, as its InvocationCancel was dropped by a fault`,
        )
      : M.describeOutcome(e.matcher, a, 'missing', [], note);
    resolve(e, a, o, nowMs);
  }
  for (const iid of invocations) S.finishInvocation(e.sched, iid, nowMs);
}

/** Everything due by now, in order; a sent step may release others (a 'sent' gate, a prefix). */
function takeSends(e: EngineState, nowMs: number): Uint8Array[] {
  const send: Uint8Array[] = [];
  for (let progress = true; progress; ) {
    progress = false;
    S.unpark(e.sched, nowMs);
    for (let s = S.takeDue(e.sched, nowMs); s; s = S.takeDue(e.sched, nowMs)) {
      const bytes = s.prepared !== undefined && s.preparedAt === e.ids.version ? s.prepared : build(e, s);
      send.push(bytes);
      markSent(e, s, nowMs);
      if (e.options.faults) F.onSent(e.options.faults, s.step, bytes, e.sched.sentCount);
      progress = true;
    }
  }
  return send;
}

/** When the next send is due; with prepareAheadMs, build it ahead or ask to be woken to. */
function planNext(
  e: EngineState,
  nowMs: number,
  sentNow: boolean,
  wake: (t: number) => void,
): number | undefined {
  const head = e.sched.due.peek();
  if (!head) return undefined;
  const sendAtMs = head.dueMs!;
  wake(sendAtMs);
  const prepareAheadMs = e.options.prepareAheadMs ?? 0;
  if (prepareAheadMs <= 0) return sendAtMs;
  if (nowMs < sendAtMs - REHEARSAL_MS) wake(sendAtMs - REHEARSAL_MS);
  if (head.prepared === undefined || head.preparedAt !== e.ids.version) {
    if (sendAtMs - prepareAheadMs > nowMs) wake(sendAtMs - prepareAheadMs);
    // Sends first (see prepareAheadMs): building now would hold back what was just sent.
    else if (sentNow || e.sentLastPoll) wake(nowMs);
    else {
      head.prepared = build(e, head);
      head.preparedAt = e.ids.version;
    }
  }
  return sendAtMs;
}

function poll(e: EngineState, nowMs: number): HostPoll {
  start(e, nowMs);
  expire(e, nowMs);
  const send = takeSends(e, nowMs);
  let wakeAtMs: number | undefined;
  const wake = (t: number) => {
    if (wakeAtMs === undefined || t < wakeAtMs) wakeAtMs = t;
  };
  const sendAtMs = planNext(e, nowMs, send.length > 0, wake);
  const deadline = M.nextDeadline(e.matcher, nowMs);
  if (deadline !== undefined) wake(deadline);
  // Diffs wait while a send is due soon or messages just went out (they leave on a later tick).
  if (send.length === 0 && (sendAtMs === undefined || sendAtMs - nowMs >= COMPARE_SLACK_MS))
    e.comparer.drain();
  e.sentLastPoll = send.length > 0;
  const done =
    e.sched.firstUnsent >= e.sched.limit &&
    e.unresolvedInLimit === 0 &&
    e.matcher.logsInFlight.size === 0 &&
    e.matcher.watching.size === 0;
  return sendAtMs === undefined ? { send, wakeAtMs, done } : { send, wakeAtMs, sendAtMs, done };
}

function finish(
  e: EngineState,
  nowMs: number,
  why = 'the stream ended first',
  pending: 'missing' | 'skipped' = 'missing',
): ReplayOutcome[] {
  const { answers, logGroups, invocationFunction, functionName } = e.matcher.expected;
  const skipped = new Set<string | undefined>();
  for (const a of answers) {
    if (a.outcome) continue;
    const note = a.deadlineMs === undefined ? `never asked: ${why}` : why;
    resolve(e, a, M.describeOutcome(e.matcher, a, pending, [], note), nowMs);
    if (pending === 'skipped') skipped.add(a.expected.frame.invocationId);
  }
  e.comparer.drain();
  const withSeq: Array<[number, ReplayOutcome]> = answers.map((a) => [a.expected.frame.seq, a.outcome!]);
  for (const g of logGroups.values()) {
    const o = logGroupOutcome(g, compareLogGroup(g.recorded, g.live, e.compareOptions), e.compareOptions);
    const fn = g.invocationId ? invocationFunction.get(g.invocationId) : undefined;
    if (fn) o.functionId = fn;
    if (fn && functionName.has(fn)) o.functionName = functionName.get(fn)!;
    if (e.options.faults) F.tolerateLogs(e.options.faults, o, g.invocationId);
    if (
      pending === 'skipped' &&
      (o.status === 'missing' || (g.invocationId && skipped.has(g.invocationId)))
    ) {
      o.status = 'skipped';
      o.note = `${o.note ?? ''}; ${why}`;
    }
    withSeq.push([g.firstSeq, o]);
  }
  withSeq.sort((x, y) => x[0] - y[0]);
  return [...withSeq.map(([, o]) => o), ...e.extras];
}

const round3 = (ms: number) => Math.round(ms * 1000) / 1000;
