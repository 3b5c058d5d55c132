import type { DuplexEnd } from '../model/duplex.js';
import type { ReplayStreamEnd } from '../report/replay-report.js';
import type { CausalPlan } from './causal-plan.js';
import type { StreamRun } from './stream-run.js';
import { breakStream } from './faults/fault-driver.js';
import type { FaultState } from './faults/fault-state.js';
import type { HostEngine } from './host-engine.js';
import { waitFor } from './wait-for.js';

/** How a drive of the host engine stopped. */
export type DriveResult = 'done' | 'ended' | 'aborted' | 'broken';

/**
 * The live state of one host replay's stream: what the duplex has told us so far (`ended`,
 * `peerHalfClosed`) and how many host messages went out (`liveSent`, counted for break faults).
 * Written only by `watchDuplex` (the duplex side) and `drive` (the send side).
 */
export interface HostRun extends StreamRun {
  readonly engine: HostEngine;
  readonly faults: FaultState | undefined;
  /** Resolves when the worker half-closes its side, when the duplex can tell. */
  readonly peerEnded: Promise<void> | undefined;
  ended: DuplexEnd | undefined;
  peerHalfClosed: boolean;
  liveSent: number;
}

/** The run's initial state; call `watchDuplex` on it before driving. */
export function createHostRun(
  fields: Omit<HostRun, 'ended' | 'peerHalfClosed' | 'liveSent' | 'peerEnded'>,
): HostRun {
  const peerEnded = (fields.duplex as Partial<{ peerEnded: Promise<void> }>).peerEnded;
  return { ...fields, peerEnded, ended: undefined, peerHalfClosed: false, liveSent: 0 };
}

/** Feed the worker's messages to the engine and note the stream's end; each event wakes the driver. */
export function watchDuplex(run: HostRun): void {
  const { duplex, engine, waker, now } = run;
  duplex.onMessage((bytes) => {
    run.onTraffic?.('toHost', bytes);
    engine.receive(bytes, now());
    waker.kick();
  });
  void duplex.done.then((end) => {
    run.ended = end;
    waker.kick();
  });
  void run.peerEnded?.then(() => {
    run.peerHalfClosed = true;
    waker.kick();
  });
}

/** Poll and send until the engine is done, the stream ends, a break fault ends it or the signal aborts. */
export async function drive(run: HostRun): Promise<DriveResult> {
  const { engine, duplex, faults, now } = run;
  engine.start(now());
  for (;;) {
    if (run.signal?.aborted) return 'aborted';
    const p = engine.poll(now());
    for (const bytes of p.send) {
      run.onTraffic?.('toWorker', bytes);
      if (!duplex.send(bytes) && !run.ended) await Promise.race([duplex.drained(), duplex.done]);
      run.liveSent++;
      if (faults && run.liveSent === faults.schedule.breakAfter) {
        breakStream(duplex, faults, run.liveSent);
        return 'broken';
      }
    }
    if (p.done) return 'done';
    if (run.ended || run.peerHalfClosed) return 'ended';
    // Nothing due, nothing awaited: a faulted schedule that can no longer move (never a worker's doing).
    if (faults && p.send.length === 0 && p.sendAtMs === undefined && p.wakeAtMs === undefined) {
      faults.stuck = true;
      return 'done';
    }
    if (p.send.length === 0) await run.waker.wait(p.sendAtMs, p.wakeAtMs);
  }
}

/**
 * Close the stream the way `result` calls for and say how it ended: after a normal finish the
 * host ends the call (first letting a worker told to terminate end it itself, for at most
 * `answerTimeoutMs`); an abort cancels it; an early end by the worker, unless it was told to
 * terminate, is `broken`.
 */
export async function endStream(
  run: HostRun,
  plan: CausalPlan,
  result: DriveResult,
  answerTimeoutMs: number,
): Promise<ReplayStreamEnd> {
  const { duplex, engine } = run;
  const terminateSent = () =>
    plan.steps.some((s) => s.frame.kind === 'workerTerminate' && engine.hasSent(s.frame.seq));
  const stream: ReplayStreamEnd = { broken: false };
  if (result === 'broken') {
    const breakAfter = run.faults?.schedule.breakAfter;
    stream.detail = `functape broke the stream after ${breakAfter} host messages (fault break@${breakAfter})`;
    await waitFor(duplex.done, 2000);
  } else if (result === 'done') {
    if (terminateSent() && !run.ended && !run.peerHalfClosed)
      await waitFor(Promise.race([duplex.done, run.peerEnded ?? duplex.done]), answerTimeoutMs);
    if (!run.ended) duplex.end({ code: 0, details: 'OK' });
    await waitFor(duplex.done, 2000);
  } else if (result === 'aborted') {
    stream.detail = 'replay interrupted';
    duplex.cancel();
  } else if (!terminateSent()) {
    stream.broken = true;
    stream.detail = run.ended
      ? `the worker ended the stream early (${run.ended.status.code} ${run.ended.status.details})`
      : 'the worker half-closed the stream early';
    if (!run.ended) duplex.end({ code: 0, details: 'OK' });
  }
  if (run.ended) stream.status = run.ended.status;
  return stream;
}

/** Why answers still pending at the end were not had, and how to count them. */
export function pendingVerdict(
  result: DriveResult,
  stream: ReplayStreamEnd,
): { why: string; pending: 'skipped' | 'missing' } {
  if (result === 'aborted') return { why: 'replay interrupted', pending: 'skipped' };
  if (result === 'broken') return { why: 'a break fault ended the stream first', pending: 'skipped' };
  return { why: stream.broken ? 'the stream ended first' : 'no answer', pending: 'missing' };
}
