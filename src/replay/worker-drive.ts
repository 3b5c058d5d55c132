import type { DuplexEnd } from '../model/duplex.js';
import type { ReplayOutcome, ReplayStreamEnd } from '../report/replay-report.js';
import type { StreamRun } from './stream-run.js';
import { faultAnswers, type WorkerFaultState } from './faults/worker-faults.js';
import { createMinHeap, type MinHeap } from './min-heap.js';
import { scaledDelay, type Pace } from './pace.js';
import { waitFor } from './wait-for.js';
import type { ScheduledAnswer, WorkerResponder } from './worker-responder.js';

interface Pending {
  dueMs: number;
  order: number;
  answer: ScheduledAnswer;
}

/**
 * The live state of one worker replay: the answers waiting for their due time (a min-heap by
 * due time, then scheduling order), the outcome of each host message, and what the stream has
 * done so far. Written by `onHostMessage` and `watchHostEnd` (the duplex side) and
 * `sendAnswers` (the send side).
 */
export interface WorkerRun extends StreamRun {
  readonly responder: WorkerResponder;
  readonly pace: Pace;
  readonly faults: WorkerFaultState | undefined;
  /** Recorded function id → name, for faults that name a function. */
  readonly names: ReadonlyMap<string, string>;
  readonly queue: MinHeap<Pending>;
  readonly outcomes: ReplayOutcome[];
  order: number;
  sent: number;
  received: number;
  terminating: boolean;
  ended: DuplexEnd | undefined;
  /** The host message count at which a crash fault reset the stream. */
  crashedAt: number | undefined;
}

/** The run's initial state: nothing queued, nothing sent or received. */
export function createWorkerRun(
  fields: Omit<
    WorkerRun,
    'queue' | 'outcomes' | 'order' | 'sent' | 'received' | 'terminating' | 'ended' | 'crashedAt'
  >,
): WorkerRun {
  const queue = createMinHeap<Pending>(
    (a, b) => a.dueMs < b.dueMs || (a.dueMs === b.dueMs && a.order < b.order),
  );
  return {
    ...fields,
    queue,
    outcomes: [],
    order: 0,
    sent: 0,
    received: 0,
    terminating: false,
    ended: undefined,
    crashedAt: undefined,
  };
}

/** Queue answers due their (paced) recorded delay after `atMs`, plus a fault's extra delay. */
export function scheduleAnswers(
  run: WorkerRun,
  answers: readonly ScheduledAnswer[],
  atMs: number,
  extraMs = () => 0,
): void {
  for (const answer of answers)
    run.queue.push({
      dueMs: atMs + scaledDelay(answer.delayMs, run.pace) + extraMs(),
      order: run.order++,
      answer,
    });
}

/** One live host message: record its outcome, queue its answers (through the faults, if any). */
export function onHostMessage(run: WorkerRun, bytes: Uint8Array): void {
  const { faults, duplex, now } = run;
  run.onTraffic?.('toWorker', bytes);
  run.received++;
  const r = run.responder.receive(bytes);
  run.outcomes.push(r.outcome);
  if (faults) {
    const fn = r.outcome.functionId;
    const functionName = r.outcome.functionName ?? (fn === undefined ? undefined : (run.names.get(fn) ?? fn));
    const f = faultAnswers(
      faults,
      { kind: r.outcome.kind, ...(functionName ? { functionName } : {}) },
      r.answers,
    );
    if (f.crash && run.crashedAt === undefined) {
      run.crashedAt = faults.received;
      duplex.cancel();
    }
    for (const a of f.answers) scheduleAnswers(run, [a.answer], now(), () => a.extraMs);
  } else scheduleAnswers(run, r.answers, now());
  if (r.terminate) run.terminating = true;
  run.waker.kick();
}

/** Note the stream's end and wake the sender. */
export function watchHostEnd(run: WorkerRun): void {
  void run.duplex.done.then((end) => {
    run.ended = end;
    run.waker.kick();
  });
}

/**
 * Send each answer when due, until the stream ends, the signal aborts, or (after
 * WorkerTerminate) the queue is empty, when the worker half-closes the call.
 */
export async function sendAnswers(run: WorkerRun): Promise<void> {
  const { queue, duplex } = run;
  for (;;) {
    if (run.signal?.aborted || run.ended) return;
    const t = run.now();
    while (queue.size > 0 && queue.peek()!.dueMs <= t) {
      const { answer } = queue.pop()!;
      run.onTraffic?.('toHost', answer.bytes);
      run.sent++;
      if (!duplex.send(answer.bytes) && !run.ended) await Promise.race([duplex.drained(), duplex.done]);
    }
    if (run.terminating && queue.size === 0) {
      duplex.end();
      return;
    }
    await run.waker.wait(queue.peek()?.dueMs);
  }
}

/**
 * Finish the stream (cancel it when interrupted, else wait up to 10 s for the host to end it)
 * and say how it ended: a non-OK status the worker was not told to expect is `broken`.
 */
export async function endWorkerStream(run: WorkerRun, interrupted: boolean): Promise<ReplayStreamEnd> {
  const stream: ReplayStreamEnd = { broken: false };
  if (interrupted) {
    stream.detail = 'replay interrupted';
    run.duplex.cancel();
  } else if (!run.ended) {
    await waitFor(run.duplex.done, 10_000);
  }
  const { ended } = run;
  if (ended) {
    stream.status = ended.status;
    if (run.crashedAt !== undefined)
      stream.detail = `functape reset the stream (fault crash@${run.crashedAt})`;
    else if (ended.status.code !== 0 && !run.terminating) {
      stream.broken = true;
      stream.detail =
        run.received === 0
          ? `could not talk to the host (${ended.status.code} ${ended.status.details})`
          : `the host ended the stream with ${ended.status.code} ${ended.status.details}`;
    }
  }
  return stream;
}
