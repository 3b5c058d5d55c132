/**
 * A wait that ends at the earliest of: a deadline, a `kick()` (something arrived), or an
 * abort. Timers are always cleared, so a finished replay leaves nothing pending.
 *
 * Deadlines are kept to tens of µs, not the ~1 ms of a bare setTimeout (libuv timers have
 * millisecond resolution against a cached loop time, so they fire up to ~1 ms early or
 * late): sleep with setTimeout until SPIN_MS before the deadline, then poll with
 * setImmediate (I/O still runs between polls). The wait is bounded in real time too, so a
 * clock that does not advance cannot keep it going.
 */
export interface Waker {
  kick(): void;
  /** Resolve at `atMs` (same clock as `now`), on the next kick, or on abort; undefined = no deadline. */
  wait(atMs: number | undefined): Promise<void>;
}

/** Below this many ms before a deadline, poll instead of sleeping; above it, sleep to SPIN_MS - 0.5 ms before. */
const SPIN_MS = 1.6;

export function createWaker(now: () => number, signal?: AbortSignal): Waker {
  let wake: (() => void) | undefined;
  let kicked = false;
  return {
    kick() {
      kicked = true;
      wake?.();
    },
    wait(atMs) {
      if (kicked || signal?.aborted) {
        kicked = false;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        let timer: NodeJS.Timeout | undefined;
        let immediate: NodeJS.Immediate | undefined;
        const done = () => {
          if (timer) clearTimeout(timer);
          if (immediate) clearImmediate(immediate);
          signal?.removeEventListener('abort', done);
          wake = undefined;
          kicked = false;
          resolve();
        };
        wake = done;
        signal?.addEventListener('abort', done, { once: true });
        if (atMs === undefined) return;
        // Real-time bound: whatever `now` does, the wait ends within 5 ms of when it would have.
        const realEnd = performance.now() + Math.max(0, atMs - now()) + 5;
        const arm = () => {
          timer = undefined;
          immediate = undefined;
          const left = atMs - now();
          if (left <= 0 || performance.now() > realEnd) return done();
          if (left > SPIN_MS) timer = setTimeout(arm, left - (SPIN_MS - 0.5));
          else immediate = setImmediate(arm);
        };
        arm();
      });
    },
  };
}
