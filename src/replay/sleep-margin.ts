/**
 * How long before a precise deadline a waiter should stop sleeping on a timer and start
 * polling: learned from how late this process's sleeping timers actually fired.
 *
 * A Node timer fires up to ~2 ms early or late (millisecond resolution against a cached
 * loop time; another process or a GC holding the CPU). Waking too late misses the deadline;
 * waking too early burns CPU polling. The margin is the second-latest lateness among the
 * last WINDOW sleeps (one outlier does not move it) plus SAFETY_MS, within
 * [MIN_MS, MAX_MS]; before any observation it is INITIAL_MS. MAX_MS stays low on purpose:
 * timers that fire very late mean another process has the CPU, and a process that polls
 * for longer is the one the scheduler preempts (measured: 3 ms margins made 2 ms stalls
 * common under load).
 *
 * Invariants: `ms()` is always within [MIN_MS, MAX_MS]; it depends only on the last
 * WINDOW observations; observing never throws (non-finite samples are ignored).
 */
export interface SleepMargin {
  /** A sleep meant to end at T ended at T + latenessMs (negative: early). */
  observe(latenessMs: number): void;
  /** Stop sleeping this many ms before the deadline. */
  ms(): number;
}

export const SLEEP_MARGIN = {
  WINDOW: 64,
  SAFETY_MS: 0.4,
  MIN_MS: 0.6,
  MAX_MS: 1.5,
  INITIAL_MS: 1.1,
} as const;

export function createSleepMargin(): SleepMargin {
  const { WINDOW, SAFETY_MS, MIN_MS, MAX_MS, INITIAL_MS } = SLEEP_MARGIN;
  const samples: number[] = [];
  let next = 0;
  let current: number = INITIAL_MS;
  return {
    observe(latenessMs) {
      if (!Number.isFinite(latenessMs)) return;
      if (samples.length < WINDOW) samples.push(latenessMs);
      else samples[next] = latenessMs;
      next = (next + 1) % WINDOW;
      let first = -Infinity;
      let second = -Infinity;
      for (const s of samples) {
        if (s > first) {
          second = first;
          first = s;
        } else if (s > second) second = s;
      }
      const late = samples.length > 1 ? second : first;
      current = Math.min(MAX_MS, Math.max(MIN_MS, late + SAFETY_MS));
    },
    ms: () => current,
  };
}
