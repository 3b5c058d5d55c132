import { describe } from '../codec/describe.js';
import type { ReplayOutcome } from '../report/replay-report.js';
import { createAnswerKeyer } from './answer-key.js';
import { indexExpectedAnswers, type AnswerState } from './expected-answers.js';
import { moveDirectory, replaceInStrings, type DirectoryMove } from './app-directory.js';
import type { CausalPlan, GateRef, PlanStep } from './causal-plan.js';
import { compareAnswer, compareLogGroup, comparableView, type CompareOptions } from './compare-answers.js';
import { createIdMap, rewriteIds, type IdMap } from './id-map.js';
import type { PathMatcher } from './ignore-paths.js';
import { createMinHeap } from './min-heap.js';
import { scaledDelay, type Pace } from './pace.js';
import { LOG_KIND } from './replay-frame.js';
import { functionNames, rewriteHostMessage } from './rewrite-host-message.js';
import { logGroupOutcome, type LogGroup } from './log-group-outcome.js';

export interface HostEngineOptions {
  pace: Pace;
  /** How long an answer may take after its trigger was sent before it counts as missing. */
  answerTimeoutMs: number;
  ignore: PathMatcher;
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
 * no clock; the caller passes `nowMs` (any monotonic ms).
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

/** Host messages that prepare a worker rather than use it. */
const SETUP_KINDS: ReadonlySet<string> = new Set([
  'workerInitRequest', 'functionsMetadataRequest', 'functionLoadRequest', 'functionLoadRequestCollection',
  'functionEnvironmentReloadRequest', 'workerWarmupRequest',
]);

interface StepState {
  step: PlanStep;
  index: number;
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

export function createHostEngine(plan: CausalPlan, options: HostEngineOptions): HostEngine {
  const idMap = createIdMap();
  /** Bumped on every change to the id map: a message built before a change is built again. */
  let idsVersion = 0;
  const ids: IdMap = {
    set(recorded, live) {
      idsVersion++;
      idMap.set(recorded, live);
    },
    toLive: (r) => idMap.toLive(r),
    toRecorded: (l) => idMap.toRecorded(l),
    get size() {
      return idMap.size;
    },
  };
  const prepareAheadMs = options.prepareAheadMs ?? 0;
  const { answers, byKey, logGroups, byTrigger, statusIds, functionName: fnName, invocationFunction: invocationFn } = indexExpectedAnswers(plan);
  const liveKeyer = createAnswerKeyer(statusIds);
  const startStream = plan.answers.find((a) => a.frame.kind === 'startStream');
  // Recordings index worker ids per session, not per frame: read them from the bytes.
  const startIds = startStream ? describe(startStream.frame.bytes) : undefined;
  if (startIds?.workerId) ids.set(startIds.workerId, options.workerId);
  if (startIds?.requestId) ids.set(startIds.requestId, options.requestId);
  const extras: ReplayOutcome[] = [];

  const steps: StepState[] = plan.steps.map((step, index) => ({ step, index, pending: 0 }));
  const stepBySeq = new Map(steps.map((s) => [s.step.frame.seq, s]));
  const dependents = new Map<string, StepState[]>();
  const happened = new Set<string>();
  const refKey = (r: GateRef) => `${r.type}:${r.seq}`;
  for (const s of steps)
    for (const r of s.step.after) {
      s.pending++;
      const list = dependents.get(refKey(r)) ?? [];
      list.push(s);
      dependents.set(refKey(r), list);
    }
  /** Released steps by due time (then recorded order): what to send next. */
  const due = createMinHeap<StepState>((x, y) => x.dueMs! < y.dueMs! || (x.dueMs === y.dueMs && x.index < y.index));
  /** Steps whose explicit gate is open but that wait for a prefix (all sent/answered) or the limit. */
  const parked = new Set<StepState>();
  /** Answers and log groups whose trigger was sent and that are not complete: they may time out. */
  const inFlight = new Set<AnswerState>();
  const logsInFlight = new Set<LogGroup>();
  /**
   * Invocations the recorded worker never answered (it crashed, hung or the recording was
   * cut): after sending one, the replay stays open for the answer timeout, so that a live
   * answer shows as unexpected and a live crash as a broken stream.
   */
  const answeredInvocations = new Set(answers.filter((a) => a.expected.frame.kind === 'invocationResponse').map((a) => a.expected.frame.invocationId));
  const watching = new Map<string, number>();
  /** Recorded ids of invocations released and not finished (answered, missing or given up on). */
  const openInvocations = new Set<string>();
  /** Invocations whose gate is open, waiting for an in-flight slot, in recorded order. */
  const throttled = createMinHeap<StepState>((x, y) => x.index < y.index);
  const maxInFlight = options.maxInFlight && options.maxInFlight > 0 ? options.maxInFlight : Number.POSITIVE_INFINITY;
  let firstUnsent = 0;
  let firstUnresolved = 0;
  let limit = steps.length;
  let unresolvedInLimit = 0;
  let sentCount = 0;
  let started = false;
  let startedAtMs = 0;
  /** The previous poll returned messages: this one is usually made before they have left. */
  let sentLastPoll = false;
  const firstNonSetup = steps.findIndex((s) => !SETUP_KINDS.has(s.step.frame.kind));
  const setupEnd = firstNonSetup < 0 ? steps.length : firstNonSetup;
  const inLimit = (a: AnswerState) => a.expected.trigger === undefined || (stepBySeq.get(a.expected.trigger)?.index ?? 0) < limit;
  const countUnresolved = () => {
    unresolvedInLimit = 0;
    for (const a of answers) if (!a.outcome && inLimit(a)) unresolvedInLimit++;
  };
  countUnresolved();

  const compareOptions: CompareOptions = {
    ignore: options.ignore,
    toRecordedSpace: (json) => {
      const mapped = rewriteIds(json, (id) => ids.toRecorded(id), []);
      const move = options.directory;
      return move ? replaceInStrings(mapped, move.live, move.recorded) : mapped;
    },
  };

  function ready(s: StepState): boolean {
    if (s.index >= limit) return false;
    if (s.step.afterAllSent && firstUnsent < s.index) return false;
    if (s.step.afterAllAnswered && firstUnresolved < answers.length && answers[firstUnresolved]!.expected.frame.seq < s.step.frame.seq) return false;
    return true;
  }

  /** Release a step whose explicit gate is open, or park it until its prefix condition holds. */
  function consider(s: StepState, nowMs: number): void {
    if (s.releasedAtMs !== undefined || s.pending > 0) return;
    if (!ready(s)) {
      parked.add(s);
      return;
    }
    parked.delete(s);
    s.gateOpenAtMs ??= nowMs;
    const iid = s.step.frame.kind === 'invocationRequest' ? s.step.frame.invocationId : undefined;
    if (iid !== undefined) {
      if (openInvocations.size >= maxInFlight) {
        throttled.push(s);
        return;
      }
      openInvocations.add(iid);
    }
    s.releasedAtMs = nowMs;
    s.dueMs = s.gateOpenAtMs + scaledDelay(s.step.delayMs, options.pace);
    if (s.dueMs < nowMs) s.dueMs = nowMs;
    due.push(s);
  }

  /** An invocation is over live: give its slot to the next throttled one. */
  function finished(invocationId: string | undefined, nowMs: number): void {
    if (invocationId === undefined || !openInvocations.delete(invocationId)) return;
    while (throttled.size > 0 && openInvocations.size < maxInFlight) {
      const s = throttled.pop()!;
      consider(s, nowMs);
    }
  }

  function happen(r: GateRef, nowMs: number): void {
    const k = refKey(r);
    if (happened.has(k)) return;
    happened.add(k);
    for (const s of dependents.get(k) ?? []) {
      s.pending--;
      consider(s, nowMs);
    }
  }

  function resolve(a: AnswerState, outcome: ReplayOutcome, nowMs: number): void {
    a.outcome = outcome;
    if (a.expected.frame.kind === 'invocationResponse') finished(a.expected.frame.invocationId, nowMs);
    inFlight.delete(a);
    if (inLimit(a)) unresolvedInLimit--;
    while (firstUnresolved < answers.length && answers[firstUnresolved]!.outcome) firstUnresolved++;
    happen({ type: 'answer', seq: a.expected.frame.seq }, nowMs);
  }

  function describeOutcome(a: AnswerState, status: ReplayOutcome['status'], differences: ReplayOutcome['differences'], note?: string): ReplayOutcome {
    const f = a.expected.frame;
    const fn = f.functionId ?? (f.invocationId ? invocationFn.get(f.invocationId) : undefined);
    const o: ReplayOutcome = { kind: f.kind, key: a.key, status, recordedSeq: f.seq, differences };
    if (f.invocationId) o.invocationId = f.invocationId;
    if (fn) o.functionId = fn;
    if (fn && fnName.has(fn)) o.functionName = fnName.get(fn)!;
    if (note) o.note = note;
    return o;
  }

  function arm(x: AnswerState | LogGroup, nowMs: number): void {
    x.deadlineMs = nowMs + options.answerTimeoutMs;
    if ('expected' in x) {
      if (!x.outcome) inFlight.add(x);
    } else if (x.recorded.length > x.live.length) logsInFlight.add(x);
  }

  function markSent(s: StepState, nowMs: number): void {
    s.sentAtMs = nowMs;
    const f = s.step.frame;
    if (f.kind === 'invocationRequest' && f.invocationId && !answeredInvocations.has(f.invocationId)) watching.set(f.invocationId, nowMs + options.answerTimeoutMs);
    sentCount++;
    while (firstUnsent < steps.length && steps[firstUnsent]!.sentAtMs !== undefined) firstUnsent++;
    for (const x of byTrigger.get(s.step.frame.seq) ?? []) arm(x, nowMs);
    happen({ type: 'sent', seq: s.step.frame.seq }, nowMs);
  }

  /** The bytes to send for a step: recorded, directory moved, ids rewritten. */
  function build(s: StepState): Uint8Array {
    const bytes = moveDirectory(s.step.frame.kind, s.step.frame.bytes, options.directory);
    return rewriteHostMessage(s.step.frame.kind, bytes, ids, options.newId);
  }

  function start(nowMs: number): void {
    if (started) return;
    started = true;
    startedAtMs = nowMs;
    for (const x of byTrigger.get(undefined) ?? []) arm(x, nowMs);
    for (const s of steps) consider(s, nowMs);
  }

  return {
    ids,
    get sent() {
      return sentCount;
    },
    setupEnd,
    hasSent: (seq) => stepBySeq.get(seq)?.sentAtMs !== undefined,
    setLimit(n) {
      limit = Math.min(n, steps.length);
      countUnresolved();
    },
    start,
    receive(bytes, nowMs) {
      const d = describe(bytes);
      const toRec = (id: string | undefined) => (id === undefined ? undefined : ids.toRecorded(id) ?? id);
      const liveIds = { kind: d.kind, invocationId: toRec(d.invocationId), functionId: toRec(d.functionId), requestId: toRec(d.requestId) };
      const key = liveKeyer.key(liveIds);
      if (d.kind === LOG_KIND) {
        let g = logGroups.get(key);
        if (!g) {
          g = { key, trigger: undefined, recorded: [], live: [], firstSeq: Number.MAX_SAFE_INTEGER, invocationId: liveIds.invocationId };
          logGroups.set(key, g);
        }
        g.live.push(bytes);
        if (g.live.length >= g.recorded.length) logsInFlight.delete(g);
        return;
      }
      const a = byKey.get(key);
      // A recording that starts mid-stream has no StartStream to compare the live one with.
      if (!a && d.kind === 'startStream' && !startStream) return;
      if (!a) {
        if (liveIds.invocationId && watching.delete(liveIds.invocationId)) finished(liveIds.invocationId, nowMs);
        extras.push({ kind: d.kind, key, status: 'extra', differences: [], note: 'no recorded answer has this kind and key', live: compareOptions.toRecordedSpace(safeJson(bytes)) });
        return;
      }
      if (a.outcome) {
        if (a.outcome.status === 'missing') a.outcome.note = `arrived ${Math.round(nowMs - (a.deadlineMs ?? nowMs) + options.answerTimeoutMs)} ms after its trigger, later than --answer-timeout`;
        else extras.push({ kind: d.kind, key, status: 'extra', differences: [], note: 'a second answer with this key', live: compareOptions.toRecordedSpace(safeJson(bytes)) });
        return;
      }
      if (d.kind === 'functionMetadataResponse') {
        const live = new Map(functionNames(bytes).map((f) => [f.name, f.functionId]));
        for (const f of functionNames(a.expected.frame.bytes)) {
          const l = live.get(f.name);
          if (l !== undefined) ids.set(f.functionId, l);
        }
      }
      const differences = compareAnswer(a.expected.frame.bytes, bytes, compareOptions);
      const outcome = describeOutcome(a, differences.length ? 'differed' : 'matched', differences);
      const sentAt = a.expected.trigger === undefined ? startedAtMs : stepBySeq.get(a.expected.trigger)?.sentAtMs;
      if (sentAt !== undefined) outcome.serviceMs = { recorded: round3(a.expected.serviceMs), live: round3(nowMs - sentAt) };
      resolve(a, outcome, nowMs);
    },
    poll(nowMs) {
      start(nowMs);
      let wakeAtMs: number | undefined;
      const wake = (t: number) => {
        if (wakeAtMs === undefined || t < wakeAtMs) wakeAtMs = t;
      };
      // Expired entries are collected first (resolving one changes the set); no copy when none expired.
      let expired: AnswerState[] | undefined;
      for (const a of inFlight) if (a.deadlineMs! <= nowMs) (expired ??= []).push(a);
      if (expired) for (const a of expired) resolve(a, describeOutcome(a, 'missing', [], `no answer within ${options.answerTimeoutMs} ms`), nowMs);
      let unwatched: string[] | undefined;
      for (const [iid, deadline] of watching) if (deadline <= nowMs) (unwatched ??= []).push(iid);
      if (unwatched)
        for (const iid of unwatched) {
          watching.delete(iid);
          finished(iid, nowMs);
        }
      const send: Uint8Array[] = [];
      for (let progress = true; progress; ) {
        progress = false;
        if (parked.size > 0) for (const s of [...parked]) consider(s, nowMs);
        while (due.size > 0 && due.peek()!.dueMs! <= nowMs) {
          const s = due.pop()!;
          send.push(s.prepared !== undefined && s.preparedAt === idsVersion ? s.prepared : build(s));
          s.prepared = undefined;
          markSent(s, nowMs);
          progress = true;
        }
      }
      let sendAtMs: number | undefined;
      const head = due.peek();
      if (head) {
        sendAtMs = head.dueMs!;
        wake(sendAtMs);
        if (prepareAheadMs > 0 && nowMs < sendAtMs - REHEARSAL_MS) wake(sendAtMs - REHEARSAL_MS);
        if (prepareAheadMs > 0 && (head.prepared === undefined || head.preparedAt !== idsVersion)) {
          if (sendAtMs - prepareAheadMs > nowMs) wake(sendAtMs - prepareAheadMs);
          // Sends first (see prepareAheadMs): building now would hold back what was just sent.
          else if (send.length > 0 || sentLastPoll) wake(nowMs);
          else {
            head.prepared = build(head);
            head.preparedAt = idsVersion;
          }
        }
      }
      for (const a of inFlight) wake(a.deadlineMs!);
      for (const g of logsInFlight) {
        // Deleting the entry being visited is safe in Set iteration.
        if (g.deadlineMs! <= nowMs) logsInFlight.delete(g);
        else wake(g.deadlineMs!);
      }
      for (const deadline of watching.values()) wake(deadline);
      sentLastPoll = send.length > 0;
      const done = firstUnsent >= limit && unresolvedInLimit === 0 && logsInFlight.size === 0 && watching.size === 0;
      return sendAtMs === undefined ? { send, wakeAtMs, done } : { send, wakeAtMs, sendAtMs, done };
    },
    resolved() {
      return answers.filter((a) => a.outcome).map((a) => a.outcome!);
    },
    finish(nowMs, why = 'the stream ended first', pending = 'missing') {
      const skipped = new Set<string | undefined>();
      for (const a of answers) {
        if (a.outcome) continue;
        resolve(a, describeOutcome(a, pending, [], a.deadlineMs === undefined ? `never asked: ${why}` : why), nowMs);
        if (pending === 'skipped') skipped.add(a.expected.frame.invocationId);
      }
      const withSeq: Array<[number, ReplayOutcome]> = answers.map((a) => [a.expected.frame.seq, a.outcome!]);
      for (const g of logGroups.values()) {
        const o = logGroupOutcome(g, compareLogGroup(g.recorded, g.live, compareOptions), compareOptions);
        const fn = g.invocationId ? invocationFn.get(g.invocationId) : undefined;
        if (fn) o.functionId = fn;
        if (fn && fnName.has(fn)) o.functionName = fnName.get(fn)!;
        if (pending === 'skipped' && (o.status === 'missing' || (g.invocationId && skipped.has(g.invocationId)))) {
          o.status = 'skipped';
          o.note = `${o.note ?? ''}; ${why}`;
        }
        withSeq.push([g.firstSeq, o]);
      }
      withSeq.sort((x, y) => x[0] - y[0]);
      return [...withSeq.map(([, o]) => o), ...extras];
    },
  };
}

function safeJson(bytes: Uint8Array) {
  return comparableView(bytes);
}

const round3 = (ms: number) => Math.round(ms * 1000) / 1000;
