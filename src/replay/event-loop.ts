import { createSleepMargin, type SleepMargin } from './sleep-margin.js';

/**
 * A wait that ends at the earliest of: a precise deadline, a coarse deadline, a `kick()`
 * (something arrived), or an abort. Timers are always cleared, so a finished replay leaves
 * nothing pending.
 *
 * A precise deadline (a message is due) is kept to tens of µs, not the ~1 ms of a bare
 * setTimeout (libuv timers have millisecond resolution against a cached loop time, so they
 * fire up to ~2 ms early or late): sleep with setTimeout until a margin before the deadline
 * (adapted to how late this process's sleeping timers have fired, see `createSleepMargin`),
 * then poll with setImmediate (I/O still runs between polls), and busy-wait only the last
 * FINAL_SPIN_MS. A coarse deadline (an answer timeout, a chance to prepare a message) is a
 * plain setTimeout and costs no polling; one already due ends the wait on the next turn of
 * the event loop (setImmediate: pending I/O and what was just sent go first, and no 1 ms
 * timer), and while polling, at the first poll past it. A coarse deadline never ends a wait
 * within FINAL_SPIN_MS of its precise one: the send goes first. Both are bounded in real
 * time, so a clock that does not advance cannot keep a wait going.
 */
export interface Waker {
  kick(): void;
  /**
   * Resolve at `preciseAtMs` (kept tight), at `coarseAtMs` (may be ~1 ms off), on the next
   * kick, or on abort. Both use the `now` clock; undefined = no such deadline.
   */
  wait(preciseAtMs: number | undefined, coarseAtMs?: number): Promise<void>;
}

/** The last stretch before a precise deadline is busy-waited (blocking I/O this long at most). */
const FINAL_SPIN_MS = 0.1;
/**
 * Before that, each poll busy-waits this long before yielding to the event loop (at most
 * FINAL_SPIN_MS, so that a poll never runs past the deadline). Each poll allocates ~0.5 KB
 * (its Immediate and two clock readings), and that garbage costs young-generation GC
 * pauses of 0.3–1.5 ms at random instants: 0.1 ms slices (rather than 0.03) allocate a
 * third as much, at the price of I/O waiting up to 0.1 ms in the last margin before a
 * send. Measured: back-to-back 1 ms precise waits allocate 5 MB/s instead of 15; in
 * bench 6 (alternated runs) late > 100 µs at 10 ms gaps 9 → 6 per 200 messages, at 1 ms
 * gaps unchanged (9 per 600).
 */
const POLL_SLICE_MS = 0.1;
/** Below this, setTimeout would be rounded up to 1 ms: poll instead. */
const MIN_SLEEP_MS = 1;
/**
 * `onIdle` runs only before a sleep at least this long: room for a minor GC (~0.3–1.3 ms
 * measured) well before the timer that ends the sleep.
 */
const IDLE_MIN_SLEEP_MS = 2;

/**
 * `onIdle` (optional): housekeeping the caller wants done when nothing is due soon (a minor
 * GC, see settle-heap.ts). It is called at most once per wait, from a setImmediate (so after
 * what the caller sent before waiting has been handed to the transport), only when the
 * wait is about to sleep for at least IDLE_MIN_SLEEP_MS before a precise deadline, and
 * never after the wait ended.
 */
export function createWaker(
  now: () => number,
  signal?: AbortSignal,
  margin: SleepMargin = createSleepMargin(),
  onIdle?: () => void,
): Waker {
  let wake: (() => void) | undefined;
  let kicked = false;
  return {
    kick() {
      kicked = true;
      wake?.();
    },
    wait(preciseAtMs, coarseAtMs) {
      if (kicked || signal?.aborted) {
        kicked = false;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        let timer: NodeJS.Timeout | undefined;
        let coarse: NodeJS.Timeout | undefined;
        let coarseNow: NodeJS.Immediate | undefined;
        let immediate: NodeJS.Immediate | undefined;
        let idle: NodeJS.Immediate | undefined;
        let over = false;
        const done = () => {
          if (over) return;
          over = true;
          if (timer) clearTimeout(timer);
          if (coarse) clearTimeout(coarse);
          if (coarseNow) clearImmediate(coarseNow);
          if (immediate) clearImmediate(immediate);
          if (idle) clearImmediate(idle);
          signal?.removeEventListener('abort', done);
          wake = undefined;
          kicked = false;
          resolve();
        };
        wake = done;
        signal?.addEventListener('abort', done, { once: true });
        if (coarseAtMs !== undefined && (preciseAtMs === undefined || coarseAtMs < preciseAtMs)) {
          const t = now();
          const inMs = coarseAtMs - t;
          // Already due: the next turn of the event loop (after pending I/O), not a 1 ms timer;
          // but never within the final busy-wait before a precise deadline (that one goes first).
          if (inMs > 0) coarse = setTimeout(done, inMs);
          else if (preciseAtMs === undefined || preciseAtMs - t > FINAL_SPIN_MS)
            coarseNow = setImmediate(done);
        }
        if (preciseAtMs === undefined) return;
        // Real-time bound: whatever `now` does, the wait ends within 5 ms of when it would have.
        const realEnd = performance.now() + Math.max(0, preciseAtMs - now()) + 5;
        /** When the sleeping timer was meant to fire (real time), to learn its lateness. */
        let sleptUntil: number | undefined;
        let idled = false;
        const runIdle = () => {
          idle = undefined;
          if (!over) onIdle!();
        };
        const arm = () => {
          timer = undefined;
          immediate = undefined;
          if (over) return;
          const real = performance.now();
          if (sleptUntil !== undefined) {
            margin.observe(real - sleptUntil);
            sleptUntil = undefined;
          }
          const nowMs = now();
          // While polling, a coarse deadline is kept to a poll's precision, not its timer's,
          // unless the precise one is within the final busy-wait: that one goes first.
          if (coarseAtMs !== undefined && nowMs >= coarseAtMs && preciseAtMs - nowMs > FINAL_SPIN_MS)
            return done();
          const left = preciseAtMs - nowMs;
          if (left <= 0 || real > realEnd) return done();
          if (left <= FINAL_SPIN_MS) {
            spinFor(Math.min(left, realEnd - real));
            return done();
          }
          const sleep = left - margin.ms();
          if (sleep >= MIN_SLEEP_MS) {
            sleptUntil = real + sleep;
            timer = setTimeout(arm, sleep);
            if (onIdle && !idled && sleep >= IDLE_MIN_SLEEP_MS) {
              idled = true;
              idle = setImmediate(runIdle);
            }
            return;
          }
          immediate = setImmediate(poll);
        };
        /** One poll: busy-wait a slice (never past FINAL_SPIN_MS before the deadline: arm keeps that), then check. */
        const poll = () => {
          immediate = undefined;
          if (over) return;
          spinFor(POLL_SLICE_MS);
          arm();
        };
        arm();
      });
    },
  };
}

/** Busy-waits of WARM_SPIN_MS, WARM_SPINS times: enough calls for V8 to optimize `spinFor` (measured: after ~20). */
const WARM_SPINS = 40;
const WARM_SPIN_MS = 0.05;
/** Throwaway waits per path (already due; within the final busy-wait; sleeping, then kicked). */
const WARM_WAITS = 200;

/**
 * Compile the waker's hot paths before a timeline starts: until V8 optimizes `spinFor`,
 * its clock readings allocate (a BigInt each, hundreds of KB per paced message, with page
 * faults and young-generation GCs), and `wait`/`arm`/`done` run in the interpreter, so the
 * first paced messages went out late. Costs ~3 ms of busy-waiting.
 *
 * Invariants: uses a throwaway waker and sleep margin (the caller's margin learns nothing
 * from it); every wait it starts has ended when it returns, so no timer or immediate is
 * left behind; it calls nothing but `now`.
 */
export function warmWaker(now: () => number): void {
  for (let i = 0; i < WARM_SPINS; i++) spinFor(WARM_SPIN_MS);
  const w = createWaker(now, undefined, createSleepMargin());
  for (let i = 0; i < WARM_WAITS; i++) {
    const t = now();
    void w.wait(t - 1, i % 2 ? t - 0.5 : undefined); // already due: ends at once
    void w.wait(now() + 0.002); // within the final busy-wait: spins ~2 µs
    void w.wait(t + 50, t + 40); // sleeps on two timers...
    w.kick(); // ...until kicked, which clears them
  }
}

/**
 * Busy-wait `ms` of real time. On Node 20 every `performance.now()` call allocates (the
 * [s, ns] array of `process.hrtime()`), ~300 MB/s of garbage in a tight loop and young-GC
 * pauses of 0.3–2 ms; a BigInt clock compared as BigInts allocates next to nothing.
 */
function spinFor(ms: number): void {
  if (!(ms > 0)) return;
  const end = process.hrtime.bigint() + BigInt(Math.ceil(ms * 1e6));
  while (process.hrtime.bigint() < end);
}
