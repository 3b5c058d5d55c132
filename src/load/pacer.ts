import { buildSegments, cumulativeAt, levelAt, timeForCount, type Segment, type Stage } from './stages.js';

/** How load is offered: what the CLI flags say, checked and resolved. */
export interface LoadPlan {
  /** closed: keep `concurrency` in flight; open: send at `rate`/s whatever the answers do. */
  model: 'closed' | 'open';
  /** Closed loop: the number in flight. Open loop: a cap on in-flight (Infinity = none). */
  concurrency: number;
  /** Open loop: invocations per second (the base level when stages are given). */
  rate: number;
  stages: readonly Stage[];
  /** Run but excluded from every figure. */
  warmupMs: number;
  /** Length of the measured window (after warmup); Infinity with an invocation count. */
  durationMs: number;
  /** Stop after this many measured invocations (Infinity with a duration). */
  invocations: number;
}

/** A pacing decision, as in ghz: wait this long before the next send, or stop sending. */
export interface PaceStep {
  waitMs: number;
  stop: boolean;
}

/**
 * Pure load shaping: no clock, no I/O. Times are ms since the run started (warmup
 * included); `sent` counts every invocation sent so far, warmup included.
 *
 * Invariants: in the open loop, invocation n is *meant* to be sent at `dueAt(n)`, which
 * never decreases with n and does not depend on when answers arrive (so a slow worker
 * cannot hide its queueing: latency is measured from `dueAt`). In the closed loop there is
 * no schedule; `inFlightLimit` gates sends.
 */
export interface Pacer {
  readonly plan: LoadPlan;
  /** Next send: `sent` invocations are out, `warmupSent` of them were meant for the warmup. */
  pace(elapsedMs: number, sent: number, warmupSent: number): PaceStep;
  /** Open loop: when invocation n (0-based) is meant to be sent. Closed loop: always 0. */
  dueAt(n: number): number;
  /** How many may be in flight at this time. */
  inFlightLimit(elapsedMs: number): number;
  /** Is an invocation meant to be sent at this time part of the warmup? */
  inWarmup(tMs: number): boolean;
  /** When the schedule ends (ms since start), Infinity when it ends on a count. */
  readonly endMs: number;
  /**
   * Open loop: how many sends the schedule holds (warmup included); Infinity in the closed
   * loop. A send due before `endMs` but held back by the in-flight cap is still owed: the
   * open loop stops on the due time of the next send, not on the clock.
   */
  scheduled(): number;
  /** The level (rate/s or concurrency) at a time, for progress and reports. */
  levelAt(elapsedMs: number): number;
}

export function createPacer(plan: LoadPlan): Pacer {
  const base = plan.model === 'open' ? plan.rate : plan.concurrency;
  const firstTarget = plan.stages[0]?.target ?? base;
  const warmupLevel = base > 0 ? base : firstTarget;
  const segments: Segment[] = buildSegments(plan.warmupMs, warmupLevel, base, plan.stages);
  const endMs = plan.warmupMs + plan.durationMs;

  function dueAt(n: number): number {
    return plan.model === 'open' ? timeForCount(segments, n) : 0;
  }

  function countDone(sent: number, warmupSent: number): boolean {
    return sent - warmupSent >= plan.invocations;
  }

  return {
    plan,
    endMs,
    dueAt,
    levelAt: (t) => levelAt(segments, t),
    inWarmup: (t) => t < plan.warmupMs,
    inFlightLimit(elapsedMs) {
      if (plan.model === 'open') return plan.concurrency;
      return Math.max(0, Math.ceil(levelAt(segments, elapsedMs) - 1e-9));
    },
    scheduled() {
      if (plan.model === 'closed') return Infinity;
      const inWindow = Number.isFinite(endMs) ? Math.ceil(cumulativeAt(segments, endMs) - 1e-9) : Infinity;
      return Math.min(inWindow, openWarmupCount() + plan.invocations);
    },
    pace(elapsedMs, sent, warmupSent) {
      if (plan.model === 'closed') {
        if (elapsedMs >= endMs) return { waitMs: 0, stop: true };
        // A count is measured after the warmup: during it, only the clock stops sending.
        if (!(elapsedMs < plan.warmupMs) && countDone(sent, warmupSent)) return { waitMs: 0, stop: true };
        return { waitMs: 0, stop: false };
      }
      const due = dueAt(sent);
      if (due >= endMs || due === Infinity) return { waitMs: 0, stop: true };
      // Open loop: the warmup share is known in advance, so the count is exact.
      if (Number.isFinite(plan.invocations) && countDone(sent, openWarmupCount()))
        return { waitMs: 0, stop: true };
      return { waitMs: Math.max(0, due - elapsedMs), stop: false };
    },
  };

  function openWarmupCount(): number {
    if (plan.warmupMs <= 0) return 0;
    return Math.ceil(cumulativeAt(segments, plan.warmupMs) - 1e-9);
  }
}
