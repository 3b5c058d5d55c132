/**
 * Wait `ms`, or less when `signal` aborts: a following push's pause between passes (or its
 * backoff), which a stop must cut short. Resolves at once when `signal` has already aborted
 * (a stop that came during the pass before). Never rejects; leaves no timer or listener.
 */
export function waitOrAbort(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
