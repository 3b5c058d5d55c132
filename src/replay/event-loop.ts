/**
 * A wait that ends at the earliest of: a deadline, a `kick()` (something arrived), or an
 * abort. Timers are always cleared, so a finished replay leaves nothing pending.
 */
export interface Waker {
  kick(): void;
  /** Resolve at `atMs` (same clock as `now`), on the next kick, or on abort; undefined = no deadline. */
  wait(atMs: number | undefined): Promise<void>;
}

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
        const done = () => {
          if (timer) clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          wake = undefined;
          kicked = false;
          resolve();
        };
        wake = done;
        signal?.addEventListener('abort', done, { once: true });
        if (atMs !== undefined) timer = setTimeout(done, Math.max(0, atMs - now()));
      });
    },
  };
}
