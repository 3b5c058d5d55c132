import { createBenchRecorder, type BenchRecorder } from '../report/bench-recorder.js';
import type { VerifyFigures } from '../report/bench-report.js';
import type { BenchDriverOptions, BenchRunResult } from './bench-driver-types.js';
import type { BenchTemplate } from './bench-source.js';
import { createInvocationCloner, type InvocationCloner } from './invocation-cloner.js';
import { createInvocationIds } from './invocation-ids.js';
import { ANSWER_OTHER, ANSWER_LOG, newAnswerScan, scanWorkerAnswer, statusName } from './worker-answer.js';

export type { BenchTarget, AnswerVerifier, BenchProgress, BenchDriverOptions, BenchRunResult } from './bench-driver-types.js';

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
 * Offer the load the pacer describes to the targets, and measure. Invocations are the
 * source's templates cycled in recorded order, each a fresh clone, sent to the target with
 * the fewest in flight. Latency runs from `pacer.dueAt` (open loop) or the send (closed
 * loop) to the InvocationResponse.
 *
 * Invariants: a measured invocation is counted once, as completed (with its status) or
 * unanswered; warmup invocations are never counted; the run ends after sending stopped and
 * every answer arrived or `drainTimeoutMs` passed; a target whose stream ends early stops
 * the run (`worker-broke`).
 */
export async function runBenchLoad(o: BenchDriverOptions): Promise<BenchRunResult> {
  const now = o.now ?? (() => performance.now());
  const ids = o.ids ?? createInvocationIds();
  const scan = newAnswerScan();
  const cpu = o.cpuUsage ?? (() => process.cpuUsage());
  const { pacer, source, targets } = o;
  const plan = pacer.plan;
  const recorder: BenchRecorder = createBenchRecorder({
    functions: source.functions,
    workers: targets.map((t) => ({ workerId: t.workerId, pid: t.pid })),
  });
  const notes: string[] = [];
  const cloners: Array<Array<InvocationCloner | undefined>> = targets.map(() => new Array(source.templates.length));
  const inFlightBy = targets.map(() => 0);
  const blocked = targets.map(() => false);
  /**
   * Invocations picked in this event-loop turn, per target, not yet written: all the sends
   * of one turn (the answers of one socket read each free a slot) go out as one write at
   * the end of the turn (`flush`, in setImmediate). Latency still runs from the intended
   * send time, so the wait in the outbox is measured, not hidden.
   */
  const outbox: Uint8Array[][] = targets.map(() => []);
  const sendMany = targets.map((t) => (t.duplex as Partial<{ sendMany: BatchSend }>).sendMany?.bind(t.duplex));
  let flushScheduled = false;
  /** In flight, by invocation sequence number (the tail of its id). */
  const pending = new Map<number, Pending>();
  const verify: VerifyFigures | undefined = o.verify ? { compared: 0, matched: 0, differed: 0, samples: [] } : undefined;

  const t0 = now();
  const startedAtWallMs = Date.now() + plan.warmupMs;
  const measureStartAbs = t0 + plan.warmupMs;
  let sent = 0;
  let warmupSent = 0;
  let warmupCompleted = 0;
  let inFlight = 0;
  let cursor = 0;
  let rr = 0;
  let sending = true;
  let sendEndAbs = 0;
  let lastMeasuredDoneAbs = measureStartAbs;
  let lagSumMs = 0;
  let lagMaxMs = 0;
  let lagCount = 0;
  let stopReason: BenchRunResult['stopReason'] = 'done';
  const workerCpu = o.workerCpu ?? (() => targets.map(() => null));
  let cpuStart = plan.warmupMs > 0 ? undefined : cpu();
  let workerCpuStart = plan.warmupMs > 0 ? undefined : workerCpu();
  let lateAnswers = 0;
  let answered = 0;
  let lastAnswerAbs = t0;
  let finished = false;

  let resolveRun!: () => void;
  const runDone = new Promise<void>((r) => (resolveRun = r));
  let timer: NodeJS.Timeout | undefined;
  let timerAt = Infinity;
  let drainTimer: NodeJS.Timeout | undefined;

  function wake(delayMs: number): void {
    const at = now() + delayMs;
    if (timer && timerAt <= at) return;
    if (timer) clearTimeout(timer);
    timerAt = at;
    timer = setTimeout(() => {
      timer = undefined;
      timerAt = Infinity;
      pump();
    }, Math.max(0, Math.floor(delayMs)));
  }

  function pickTarget(): number {
    let best = -1;
    for (let k = 0; k < targets.length; k++) {
      const i = (rr + k) % targets.length;
      if (blocked[i]) continue;
      if (best < 0 || inFlightBy[i]! < inFlightBy[best]!) best = i;
    }
    rr = (rr + 1) % targets.length;
    return best;
  }

  function sendOne(dueMs: number, nowMs: number, w: number): void {
    const ti = cursor;
    cursor = cursor + 1 === source.templates.length ? 0 : cursor + 1;
    const template = source.templates[ti]!;
    let cloner = cloners[w]![ti];
    if (!cloner) {
      cloner = createInvocationCloner(template.request, targets[w]!.liveFunctionId(template.recordedFunctionId), ids);
      cloners[w]![ti] = cloner;
    }
    const seq = sent; // ids are numbered by send order: unique for the run
    const measured = !pacer.inWarmup(dueMs);
    const p: Pending = { dueMs, fn: template.fn, target: w, measured, template };
    if (verify && measured) p.logs = [];
    pending.set(seq, p);
    sent += 1;
    inFlight += 1;
    inFlightBy[w]! += 1;
    if (measured) {
      recorder.sent(template.fn, w);
      const lag = nowMs - dueMs;
      lagSumMs += lag;
      lagCount += 1;
      if (lag > lagMaxMs) lagMaxMs = lag;
    } else warmupSent += 1;
    outbox[w]!.push(cloner.clone(seq));
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flush);
    }
  }

  /** Write each target's outbox in one go; a full stream blocks its target until it drains. */
  function flush(): void {
    flushScheduled = false;
    for (let w = 0; w < targets.length; w++) {
      const list = outbox[w]!;
      if (list.length === 0) continue;
      outbox[w] = [];
      const duplex = targets[w]!.duplex;
      let ok: boolean;
      const many = sendMany[w];
      if (many) ok = many(list);
      else {
        ok = true;
        for (const b of list) ok = duplex.send(b) && ok;
      }
      if (!ok && !blocked[w]) {
        blocked[w] = true;
        void duplex.drained().then(() => {
          blocked[w] = false;
          pump();
        });
      }
    }
  }

  function pump(): void {
    if (!sending) return;
    const t = now();
    const elapsed = t - t0;
    if (cpuStart === undefined && elapsed >= plan.warmupMs) {
      cpuStart = cpu();
      workerCpuStart = workerCpu();
    }
    for (let batch = 0; batch < MAX_BATCH; batch++) {
      const step = pacer.pace(elapsed, sent, warmupSent);
      if (step.stop) return stopSending();
      if (step.waitMs > 0) return wake(step.waitMs);
      if (inFlight >= pacer.inFlightLimit(elapsed)) {
        // Held back by the in-flight limit: an answer or the next tick pumps again, unless
        // the workers stopped answering altogether (a hung worker must not hang the run).
        if (inFlight > 0 && t - lastAnswerAbs > o.drainTimeoutMs) return stalled();
        return wake(TICK_MS);
      }
      const w = pickTarget();
      if (w < 0) return; // every stream is full: its drain pumps again
      sendOne(plan.model === 'open' ? pacer.dueAt(sent) : elapsed, elapsed, w);
    }
    setImmediate(pump);
  }

  function stopSending(): void {
    if (!sending) return;
    sending = false;
    sendEndAbs = now();
    if (timer) clearTimeout(timer);
    if (inFlight === 0) finish();
    else if (!drainTimer) drainTimer = setTimeout(finish, o.drainTimeoutMs);
  }

  // The open loop keeps sending what is owed after the schedule's end (held back by the
  // cap), but not for ever: the run ends `drainTimeoutMs` after the schedule does.
  const deadline = Number.isFinite(pacer.endMs)
    ? setTimeout(() => {
        stopSending();
        finish();
      }, pacer.endMs + o.drainTimeoutMs)
    : undefined;

  function stalled(): void {
    stopReason = 'worker-broke';
    notes.push(`no answer for ${o.drainTimeoutMs} ms with ${inFlight} invocation(s) in flight: the worker(s) stopped answering`);
    stopSending();
    finish();
  }

  function finish(): void {
    if (finished) return;
    finished = true;
    if (deadline) clearTimeout(deadline);
    if (drainTimer) clearTimeout(drainTimer);
    if (timer) clearTimeout(timer);
    resolveRun();
  }

  function onMessage(w: number, bytes: Uint8Array): void {
    const a = scanWorkerAnswer(bytes, scan);
    if (a.kind === ANSWER_OTHER) return;
    const seq = ids.seqOf(bytes, a.idStart, a.idLen);
    const p = seq < 0 ? undefined : pending.get(seq);
    if (!p) {
      if (a.kind !== ANSWER_LOG) lateAnswers += 1;
      return;
    }
    if (a.kind === ANSWER_LOG) {
      if (p.measured) recorder.rpcLog(p.fn);
      p.logs?.push(bytes);
      return;
    }
    const t = now();
    pending.delete(seq);
    inFlight -= 1;
    inFlightBy[p.target]! -= 1;
    if (p.measured) {
      recorder.completed(p.fn, w, (t - t0 - p.dueMs) * 1000, statusName(a.status), t - measureStartAbs);
      if (t > lastMeasuredDoneAbs) lastMeasuredDoneAbs = t;
      if (verify) {
        const differences = o.verify!(p.template, { answer: bytes, logs: p.logs ?? [], invocationId: ids.id(seq), target: w });
        verify.compared += 1;
        if (differences.length === 0) verify.matched += 1;
        else {
          verify.differed += 1;
          if (verify.samples.length < 5) verify.samples.push({ function: source.functions[p.fn]!.name, differences: differences.slice(0, 10) });
        }
      }
    } else warmupCompleted += 1;
    answered += 1;
    lastAnswerAbs = t;
    // Closed loop: refill; open loop: a send held back by the in-flight cap may go now.
    if (sending) pump();
    else if (inFlight === 0) finish();
  }

  targets.forEach((target, w) => {
    target.duplex.onMessage((bytes) => onMessage(w, bytes));
    void target.duplex.done.then((end) => {
      if (finished) return;
      stopReason = 'worker-broke';
      notes.push(`worker #${w + 1} (${target.workerId}) ended its stream during the run: status ${end.status.code} ${end.status.details}`.trim());
      sending = false;
      if (!sendEndAbs) sendEndAbs = now();
      finish();
    });
  });

  const onAbort = () => {
    if (stopReason === 'done') stopReason = 'interrupted';
    stopSending();
  };
  o.signal?.addEventListener('abort', onAbort, { once: true });
  if (o.signal?.aborted) onAbort();

  let lastProgress = { at: t0, answered: 0 };
  const progressTimer = o.onProgress
    ? setInterval(() => {
        const t = now();
        const pr = recorder.progress();
        const rate = ((answered - lastProgress.answered) * 1000) / Math.max(1, t - lastProgress.at);
        lastProgress = { at: t, answered };
        o.onProgress!({
          elapsedMs: t - t0,
          phase: sending ? (t - t0 < plan.warmupMs ? 'warmup' : 'measure') : 'drain',
          completed: pr.completed, errors: pr.errors, p99Us: pr.p99Us, recentRate: rate, inFlight,
          level: plan.model === 'open' ? pacer.levelAt(t - t0) : pacer.inFlightLimit(t - t0),
        });
      }, o.progressIntervalMs ?? 250)
    : undefined;

  pump();
  await runDone;
  o.signal?.removeEventListener('abort', onAbort);
  if (progressTimer) clearInterval(progressTimer);
  const cpuEnd = cpu();
  const cpuFrom = cpuStart ?? cpuEnd;
  const workerCpuEnd = workerCpu();

  for (const p of pending.values()) if (p.measured) recorder.unanswered(p.fn, 1);
  // Open loop: what the schedule owed but the cap held back, by the function it would have been.
  const owed = Number.isFinite(pacer.scheduled()) ? Math.max(0, pacer.scheduled() - sent) : 0;
  for (let i = 0, c = cursor; i < owed; i++, c = c + 1 === source.templates.length ? 0 : c + 1) {
    if (!pacer.inWarmup(pacer.dueAt(sent + i))) recorder.backlog(source.templates[c]!.fn, 1);
  }
  if (owed > 0) notes.push(`${owed} scheduled invocation(s) were never sent: the in-flight cap held them back until the run ended`);
  const unansweredAll = pending.size;
  pending.clear();
  if (unansweredAll > 0) {
    const reason = stopReason as BenchRunResult['stopReason']; // set in callbacks: TS cannot see it change
    const when = reason === 'worker-broke' ? 'when a worker broke' : reason === 'interrupted' ? 'when the run was interrupted' : `${o.drainTimeoutMs} ms after sending stopped`;
    notes.push(`${unansweredAll} invocation(s) had no answer ${when}`);
  }
  if (lateAnswers > 0) notes.push(`${lateAnswers} answer(s) for unknown invocation ids`);

  const endAbs = Math.max(sendEndAbs || now(), lastMeasuredDoneAbs);
  const durationMs = Math.max(0, endAbs - measureStartAbs);
  const built = recorder.build(durationMs);
  built.workers.forEach((w, i) => {
    const from = workerCpuStart?.[i];
    const to = workerCpuEnd[i];
    if (from == null || to == null) return;
    w.cpuUs = to - from;
    w.cpuUsPerInvocation = w.completed > 0 ? Math.round(((to - from) / w.completed) * 100) / 100 : null;
  });
  const cpuUserUs = cpuEnd.user - cpuFrom.user;
  const cpuSystemUs = cpuEnd.system - cpuFrom.system;
  const result: BenchRunResult = {
    startedAtWallMs,
    durationMs,
    stopReason,
    ...built,
    warmup: { sent: warmupSent, completed: warmupCompleted },
    generator: {
      cpuUserUs,
      cpuSystemUs,
      cpuUsPerInvocation: built.overall.completed > 0 ? Math.round(((cpuUserUs + cpuSystemUs) / built.overall.completed) * 100) / 100 : 0,
      meanSendLagUs: lagCount > 0 ? Math.round((lagSumMs / lagCount) * 1000) : 0,
      maxSendLagUs: Math.round(lagMaxMs * 1000),
    },
    notes,
  };
  if (verify) result.verify = verify;
  return result;
}
