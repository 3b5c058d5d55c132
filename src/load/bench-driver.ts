import { createBenchRecorder, type BenchRecorder } from '../report/bench-recorder.js';
import type { BenchIncident } from '../report/bench-incidents.js';
import type { VerifyFigures } from '../report/bench-report.js';
import type { BenchDriverOptions, BenchRunResult, BenchTarget } from './bench-driver-types.js';
import type { BenchTemplate } from './bench-source.js';
import { createInvocationCloner, type InvocationCloner } from './invocation-cloner.js';
import { createInvocationIds, type InvocationIds } from './invocation-ids.js';
import type { Pacer } from './pacer.js';
import {
  ANSWER_OTHER,
  ANSWER_LOG,
  newAnswerScan,
  scanWorkerAnswer,
  statusName,
  type AnswerScan,
} from './worker-answer.js';

export type {
  BenchTarget,
  AnswerVerifier,
  BenchProgress,
  BenchDriverOptions,
  BenchRunResult,
} from './bench-driver-types.js';

interface Pending {
  /** When it was meant to be sent, ms since the run started. */
  dueMs: number;
  fn: number;
  target: number;
  measured: boolean;
  template: BenchTemplate;
  logs?: Uint8Array[];
}

/** A target stream that can write several messages at once (wire's PeerDuplex.sendMany). */
type BatchSend = (list: readonly Uint8Array[]) => boolean;

/** Sends per pump before yielding to the event loop (so answers are read while catching up). */
const MAX_BATCH = 256;
/** How often the closed loop re-checks the clock and stage levels when no answer comes. */
const TICK_MS = 20;

/**
 * The driver's named state. `o` and the per-target arrays are fixed at the start; the
 * counters and flags move as invocations are sent and answered.
 */
interface DriverState {
  readonly o: BenchDriverOptions;
  readonly now: () => number;
  readonly ids: InvocationIds;
  readonly scan: AnswerScan;
  readonly cpu: () => { user: number; system: number };
  readonly workerCpu: () => Array<number | null>;
  readonly pacer: Pacer;
  readonly targets: readonly BenchTarget[];
  readonly recorder: BenchRecorder;
  readonly incidents: BenchIncident[];
  /** Per target and template: the cloner for that stream's live function id. */
  readonly cloners: Array<Array<InvocationCloner | undefined>>;
  readonly inFlightBy: number[];
  /** A target whose stream is full waits for its drain. */
  readonly blocked: boolean[];
  /**
   * Invocations picked in this event-loop turn, per target, not yet written: all the sends
   * of one turn (the answers of one socket read each free a slot) go out as one write at
   * the end of the turn (`flush`, in setImmediate). Latency still runs from the intended
   * send time, so the wait in the outbox is measured, not hidden.
   */
  readonly outbox: Uint8Array[][];
  readonly sendMany: Array<BatchSend | undefined>;
  /** In flight, by invocation sequence number (the tail of its id). */
  readonly pending: Map<number, Pending>;
  readonly verify: VerifyFigures | undefined;
  readonly t0: number;
  readonly measureStartAbs: number;
  readonly startedAtWallMs: number;
  flushScheduled: boolean;
  sent: number;
  warmupSent: number;
  warmupCompleted: number;
  inFlight: number;
  /** The next template to clone (templates are cycled in recorded order). */
  cursor: number;
  /** Round-robin start for picking the least loaded target. */
  rr: number;
  sending: boolean;
  sendEndAbs: number;
  lastMeasuredDoneAbs: number;
  lag: { sumMs: number; maxMs: number; count: number };
  stopReason: BenchRunResult['stopReason'];
  cpuStart: { user: number; system: number } | undefined;
  workerCpuStart: Array<number | null> | undefined;
  lateAnswers: number;
  answered: number;
  lastAnswerAbs: number;
  finished: boolean;
  timers: { wake?: NodeJS.Timeout; wakeAt: number; drain?: NodeJS.Timeout; deadline?: NodeJS.Timeout };
  resolveRun: () => void;
}

/**
 * Offer the load the pacer describes to the targets, and measure. Invocations are the
 * source's templates cycled in recorded order, each a fresh clone, sent to the target with
 * the fewest in flight. Latency runs from `pacer.dueAt` (open loop) or the send (closed
 * loop) to the InvocationResponse.
 *
 * Invariants: a measured invocation is counted once, as completed (with its status) or
 * unanswered; warmup invocations are never counted; the run ends after sending stopped and
 * every answer arrived or `drainTimeoutMs` passed; a target whose stream ends early stops
 * the run (`worker-broke`). The driver collects data only: what went wrong is a list of
 * `BenchIncident`s, worded by the report's printers.
 */
export async function runBenchLoad(o: BenchDriverOptions): Promise<BenchRunResult> {
  let resolveRun!: () => void;
  const runDone = new Promise<void>((r) => (resolveRun = r));
  const st = createDriverState(o, resolveRun);
  // The open loop keeps sending what is owed after the schedule's end (held back by the
  // cap), but not for ever: the run ends `drainTimeoutMs` after the schedule does.
  if (Number.isFinite(st.pacer.endMs)) {
    st.timers.deadline = setTimeout(() => {
      stopSending(st);
      finish(st);
    }, st.pacer.endMs + o.drainTimeoutMs);
  }
  st.targets.forEach((target, w) => {
    target.duplex.onMessage((bytes) => onMessage(st, w, bytes));
    void target.duplex.done.then((end) => workerEnded(st, w, end.status));
  });
  const onAbort = () => {
    if (st.stopReason === 'done') st.stopReason = 'interrupted';
    stopSending(st);
  };
  o.signal?.addEventListener('abort', onAbort, { once: true });
  if (o.signal?.aborted) onAbort();
  const progressTimer = startProgress(st);
  pump(st);
  await runDone;
  o.signal?.removeEventListener('abort', onAbort);
  if (progressTimer) clearInterval(progressTimer);
  return buildResult(st);
}

function createDriverState(o: BenchDriverOptions, resolveRun: () => void): DriverState {
  const now = o.now ?? (() => performance.now());
  const { pacer, source, targets } = o;
  const cpu = o.cpuUsage ?? (() => process.cpuUsage());
  const workerCpu = o.workerCpu ?? (() => targets.map(() => null));
  const t0 = now();
  const warm = pacer.plan.warmupMs > 0;
  return {
    o,
    now,
    cpu,
    workerCpu,
    pacer,
    targets,
    ids: o.ids ?? createInvocationIds(),
    scan: newAnswerScan(),
    recorder: createBenchRecorder({
      functions: source.functions,
      workers: targets.map((t) => ({ workerId: t.workerId, pid: t.pid })),
    }),
    incidents: [],
    cloners: targets.map(() => new Array(source.templates.length)),
    inFlightBy: targets.map(() => 0),
    blocked: targets.map(() => false),
    outbox: targets.map(() => []),
    sendMany: targets.map((t) => (t.duplex as Partial<{ sendMany: BatchSend }>).sendMany?.bind(t.duplex)),
    pending: new Map(),
    verify: o.verify ? { compared: 0, matched: 0, differed: 0, samples: [] } : undefined,
    t0,
    measureStartAbs: t0 + pacer.plan.warmupMs,
    startedAtWallMs: Date.now() + pacer.plan.warmupMs,
    flushScheduled: false,
    sent: 0,
    warmupSent: 0,
    warmupCompleted: 0,
    inFlight: 0,
    cursor: 0,
    rr: 0,
    sending: true,
    sendEndAbs: 0,
    lastMeasuredDoneAbs: t0 + pacer.plan.warmupMs,
    lag: { sumMs: 0, maxMs: 0, count: 0 },
    stopReason: 'done',
    cpuStart: warm ? undefined : cpu(),
    workerCpuStart: warm ? undefined : workerCpu(),
    lateAnswers: 0,
    answered: 0,
    lastAnswerAbs: t0,
    finished: false,
    timers: { wakeAt: Infinity },
    resolveRun,
  };
}

/** Pump again in `delayMs` (an earlier pending wake-up stands). */
function wake(st: DriverState, delayMs: number): void {
  const at = st.now() + delayMs;
  const t = st.timers;
  if (t.wake && t.wakeAt <= at) return;
  if (t.wake) clearTimeout(t.wake);
  t.wakeAt = at;
  t.wake = setTimeout(
    () => {
      t.wake = undefined;
      t.wakeAt = Infinity;
      pump(st);
    },
    Math.max(0, Math.floor(delayMs)),
  );
}

/** The unblocked target with the fewest in flight, starting the search round-robin; -1 when all are full. */
function pickTarget(st: DriverState): number {
  let best = -1;
  const n = st.targets.length;
  for (let k = 0; k < n; k++) {
    const i = (st.rr + k) % n;
    if (st.blocked[i]) continue;
    if (best < 0 || st.inFlightBy[i]! < st.inFlightBy[best]!) best = i;
  }
  st.rr = (st.rr + 1) % n;
  return best;
}

/** Clone the next template for target `w` and queue it in the outbox, due at `dueMs`. */
function sendOne(st: DriverState, dueMs: number, nowMs: number, w: number): void {
  const templates = st.o.source.templates;
  const ti = st.cursor;
  st.cursor = ti + 1 === templates.length ? 0 : ti + 1;
  const template = templates[ti]!;
  let cloner = st.cloners[w]![ti];
  if (!cloner) {
    cloner = createInvocationCloner(
      template.request,
      st.targets[w]!.liveFunctionId(template.recordedFunctionId),
      st.ids,
    );
    st.cloners[w]![ti] = cloner;
  }
  const seq = st.sent; // ids are numbered by send order: unique for the run
  const measured = !st.pacer.inWarmup(dueMs);
  const p: Pending = { dueMs, fn: template.fn, target: w, measured, template };
  if (st.verify && measured) p.logs = [];
  st.pending.set(seq, p);
  st.sent += 1;
  st.inFlight += 1;
  st.inFlightBy[w]! += 1;
  if (measured) {
    st.recorder.sent(template.fn, w);
    const lag = nowMs - dueMs;
    st.lag.sumMs += lag;
    st.lag.count += 1;
    if (lag > st.lag.maxMs) st.lag.maxMs = lag;
  } else st.warmupSent += 1;
  st.outbox[w]!.push(cloner.clone(seq));
  if (!st.flushScheduled) {
    st.flushScheduled = true;
    setImmediate(() => flush(st));
  }
}

/** Write each target's outbox in one go; a full stream blocks its target until it drains. */
function flush(st: DriverState): void {
  st.flushScheduled = false;
  for (let w = 0; w < st.targets.length; w++) {
    const list = st.outbox[w]!;
    if (list.length === 0) continue;
    st.outbox[w] = [];
    const duplex = st.targets[w]!.duplex;
    let ok: boolean;
    const many = st.sendMany[w];
    if (many) ok = many(list);
    else {
      ok = true;
      for (const b of list) ok = duplex.send(b) && ok;
    }
    if (!ok && !st.blocked[w]) {
      st.blocked[w] = true;
      void duplex.drained().then(() => {
        st.blocked[w] = false;
        pump(st);
      });
    }
  }
}

/** Send what the pacer allows now, up to MAX_BATCH per turn; then wait for a wake-up, an answer or a drain. */
function pump(st: DriverState): void {
  if (!st.sending) return;
  const t = st.now();
  const elapsed = t - st.t0;
  const plan = st.pacer.plan;
  if (st.cpuStart === undefined && elapsed >= plan.warmupMs) {
    st.cpuStart = st.cpu();
    st.workerCpuStart = st.workerCpu();
  }
  for (let batch = 0; batch < MAX_BATCH; batch++) {
    const step = st.pacer.pace(elapsed, st.sent, st.warmupSent);
    if (step.stop) return stopSending(st);
    if (step.waitMs > 0) return wake(st, step.waitMs);
    if (st.inFlight >= st.pacer.inFlightLimit(elapsed)) {
      // Held back by the in-flight limit: an answer or the next tick pumps again, unless
      // the workers stopped answering altogether (a hung worker must not hang the run).
      if (st.inFlight > 0 && t - st.lastAnswerAbs > st.o.drainTimeoutMs) return stalled(st);
      return wake(st, TICK_MS);
    }
    const w = pickTarget(st);
    if (w < 0) return; // every stream is full: its drain pumps again
    sendOne(st, plan.model === 'open' ? st.pacer.dueAt(st.sent) : elapsed, elapsed, w);
  }
  setImmediate(() => pump(st));
}

function stopSending(st: DriverState): void {
  if (!st.sending) return;
  st.sending = false;
  st.sendEndAbs = st.now();
  if (st.timers.wake) clearTimeout(st.timers.wake);
  if (st.inFlight === 0) finish(st);
  else if (!st.timers.drain) st.timers.drain = setTimeout(() => finish(st), st.o.drainTimeoutMs);
}

function stalled(st: DriverState): void {
  st.stopReason = 'worker-broke';
  st.incidents.push({ kind: 'stalled', silentMs: st.o.drainTimeoutMs, inFlight: st.inFlight });
  stopSending(st);
  finish(st);
}

function workerEnded(st: DriverState, w: number, status: { code: number; details: string }): void {
  if (st.finished) return;
  st.stopReason = 'worker-broke';
  st.incidents.push({
    kind: 'worker-ended',
    worker: w + 1,
    workerId: st.targets[w]!.workerId,
    status: { code: status.code, details: status.details },
  });
  st.sending = false;
  if (!st.sendEndAbs) st.sendEndAbs = st.now();
  finish(st);
}

function finish(st: DriverState): void {
  if (st.finished) return;
  st.finished = true;
  const t = st.timers;
  if (t.deadline) clearTimeout(t.deadline);
  if (t.drain) clearTimeout(t.drain);
  if (t.wake) clearTimeout(t.wake);
  st.resolveRun();
}

/** A worker message: an RpcLog joins its invocation; an InvocationResponse completes it. */
function onMessage(st: DriverState, w: number, bytes: Uint8Array): void {
  const a = scanWorkerAnswer(bytes, st.scan);
  if (a.kind === ANSWER_OTHER) return;
  const seq = st.ids.seqOf(bytes, a.idStart, a.idLen);
  const p = seq < 0 ? undefined : st.pending.get(seq);
  if (!p) {
    if (a.kind !== ANSWER_LOG) st.lateAnswers += 1;
    return;
  }
  if (a.kind === ANSWER_LOG) {
    if (p.measured) st.recorder.rpcLog(p.fn);
    p.logs?.push(bytes);
    return;
  }
  const t = st.now();
  st.pending.delete(seq);
  st.inFlight -= 1;
  st.inFlightBy[p.target]! -= 1;
  if (p.measured) {
    st.recorder.completed(
      p.fn,
      w,
      (t - st.t0 - p.dueMs) * 1000,
      statusName(a.status),
      t - st.measureStartAbs,
    );
    if (t > st.lastMeasuredDoneAbs) st.lastMeasuredDoneAbs = t;
    if (st.verify) verifyAnswer(st, st.verify, p, bytes, seq, w);
  } else st.warmupCompleted += 1;
  st.answered += 1;
  st.lastAnswerAbs = t;
  // Closed loop: refill; open loop: a send held back by the in-flight cap may go now.
  if (st.sending) pump(st);
  else if (st.inFlight === 0) finish(st);
}

function verifyAnswer(
  st: DriverState,
  v: VerifyFigures,
  p: Pending,
  bytes: Uint8Array,
  seq: number,
  w: number,
): void {
  const differences = st.o.verify!(p.template, {
    answer: bytes,
    logs: p.logs ?? [],
    invocationId: st.ids.id(seq),
    target: w,
  });
  v.compared += 1;
  if (differences.length === 0) v.matched += 1;
  else {
    v.differed += 1;
    if (v.samples.length < 5)
      v.samples.push({ function: st.o.source.functions[p.fn]!.name, differences: differences.slice(0, 10) });
  }
}

function startProgress(st: DriverState): NodeJS.Timeout | undefined {
  const { o, pacer } = st;
  if (!o.onProgress) return undefined;
  let last = { at: st.t0, answered: 0 };
  return setInterval(() => {
    const t = st.now();
    const pr = st.recorder.progress();
    const rate = ((st.answered - last.answered) * 1000) / Math.max(1, t - last.at);
    last = { at: t, answered: st.answered };
    o.onProgress!({
      elapsedMs: t - st.t0,
      phase: st.sending ? (t - st.t0 < pacer.plan.warmupMs ? 'warmup' : 'measure') : 'drain',
      completed: pr.completed,
      errors: pr.errors,
      p99Us: pr.p99Us,
      recentRate: rate,
      inFlight: st.inFlight,
      level: pacer.plan.model === 'open' ? pacer.levelAt(t - st.t0) : pacer.inFlightLimit(t - st.t0),
    });
  }, o.progressIntervalMs ?? 250);
}

/** Count what never completed (unanswered, the open loop's backlog) and build the figures. */
function buildResult(st: DriverState): BenchRunResult {
  const { pacer, recorder, pending } = st;
  const templates = st.o.source.templates;
  const cpuEnd = st.cpu();
  const cpuFrom = st.cpuStart ?? cpuEnd;
  const workerCpuEnd = st.workerCpu();
  for (const p of pending.values()) if (p.measured) recorder.unanswered(p.fn, 1);
  // Open loop: what the schedule owed but the cap held back, by the function it would have been.
  const owed = Number.isFinite(pacer.scheduled()) ? Math.max(0, pacer.scheduled() - st.sent) : 0;
  for (let i = 0, c = st.cursor; i < owed; i++, c = c + 1 === templates.length ? 0 : c + 1) {
    if (!pacer.inWarmup(pacer.dueAt(st.sent + i))) recorder.backlog(templates[c]!.fn, 1);
  }
  if (owed > 0) st.incidents.push({ kind: 'backlog', count: owed });
  if (pending.size > 0) {
    const when =
      st.stopReason === 'worker-broke'
        ? 'worker-broke'
        : st.stopReason === 'interrupted'
          ? 'interrupted'
          : 'drained';
    st.incidents.push({ kind: 'unanswered', count: pending.size, when, drainTimeoutMs: st.o.drainTimeoutMs });
  }
  pending.clear();
  if (st.lateAnswers > 0) st.incidents.push({ kind: 'unknown-answers', count: st.lateAnswers });
  const endAbs = Math.max(st.sendEndAbs || st.now(), st.lastMeasuredDoneAbs);
  const durationMs = Math.max(0, endAbs - st.measureStartAbs);
  const built = recorder.build(durationMs);
  built.workers.forEach((w, i) => {
    const from = st.workerCpuStart?.[i];
    const to = workerCpuEnd[i];
    if (from == null || to == null) return;
    w.cpuUs = to - from;
    w.cpuUsPerInvocation = w.completed > 0 ? round2((to - from) / w.completed) : null;
  });
  const cpuUserUs = cpuEnd.user - cpuFrom.user;
  const cpuSystemUs = cpuEnd.system - cpuFrom.system;
  const { lag } = st;
  const result: BenchRunResult = {
    startedAtWallMs: st.startedAtWallMs,
    durationMs,
    stopReason: st.stopReason,
    ...built,
    warmup: { sent: st.warmupSent, completed: st.warmupCompleted },
    generator: {
      cpuUserUs,
      cpuSystemUs,
      cpuUsPerInvocation:
        built.overall.completed > 0 ? round2((cpuUserUs + cpuSystemUs) / built.overall.completed) : 0,
      meanSendLagUs: lag.count > 0 ? Math.round((lag.sumMs / lag.count) * 1000) : 0,
      maxSendLagUs: Math.round(lag.maxMs * 1000),
    },
    incidents: st.incidents,
  };
  if (st.verify) result.verify = st.verify;
  return result;
}

const round2 = (x: number) => Math.round(x * 100) / 100;
