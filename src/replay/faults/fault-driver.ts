import type { Duplex } from '../../model/duplex.js';
import type { FaultState } from './fault-state.js';

/** What the transport may offer for driver faults (wire's PeerDuplex); absent: the fault is noted, not done. */
type FaultableDuplex = Duplex & Partial<{ pause(): void; resume(): void; abort(): void }>;

/**
 * `stall:DUR/EVERY`: stop reading the worker's stream for `ms` every `everyMs` (HTTP/2 flow
 * control then pushes back on the worker). Each stall is listed at the host message count
 * `sent()` gives. Returns the stop function; after it no timer is left.
 */
export function startStalls(duplex: FaultableDuplex, fs: FaultState, sent: () => number): () => void {
  const stall = fs.schedule.stall;
  if (!stall) return () => {};
  if (!duplex.pause || !duplex.resume) {
    fs.injected.push({ fault: 'stall', detail: 'not done: this transport cannot stop reading' });
    return () => {};
  }
  let resumeTimer: NodeJS.Timeout | undefined;
  const every = setInterval(() => {
    duplex.pause!();
    fs.injected.push({
      at: sent(),
      fault: 'stall',
      detail: `stopped reading the worker's stream for ${stall.ms} ms`,
    });
    resumeTimer = setTimeout(() => {
      resumeTimer = undefined;
      duplex.resume!();
    }, stall.ms);
  }, stall.everyMs);
  return () => {
    clearInterval(every);
    if (resumeTimer) {
      clearTimeout(resumeTimer);
      duplex.resume!();
    }
  };
}

/** `break@N`: end the stream abruptly (RST_STREAM, then the connection) and list it. */
export function breakStream(duplex: FaultableDuplex, fs: FaultState, at: number): void {
  if (duplex.abort) duplex.abort();
  else duplex.cancel({ code: 1, details: 'functape: break fault' });
  fs.injected.push({
    at,
    fault: 'break',
    detail: duplex.abort ? 'RST_STREAM (CANCEL), then the connection dropped' : 'stream cancelled',
  });
}
