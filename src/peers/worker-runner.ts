import type { Duplex } from '../model/duplex.js';
import type { StreamStatus } from '../model/session.js';
import type { WorkerEffect, WorkerProtocol } from './worker-protocol.js';

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface WorkerRunResult {
  /** 0 after WorkerTerminate or an OK end; 3 when the stream broke; the crash code after `crash`. */
  exitCode: number;
  /** One line on how the run ended. */
  reason: string;
  status?: StreamStatus;
  /** True when `exitCode` must be applied at once (a simulated crash), not after a clean shutdown. */
  crash: boolean;
}

/** Use `us` µs of CPU on this thread (a busy loop on the monotonic clock). */
export function busyWait(us: number): void {
  const until = performance.now() + us / 1000;
  while (performance.now() < until) {
    // spin: the point is to use the CPU, as a function's own code would
  }
}

/** A Duplex that can stop reading (wire/grpc-peer's PeerDuplex); plain Duplexes work too. */
type PausableDuplex = Duplex & { pause?: () => void; resume?: () => void };

/**
 * Run the reference worker's protocol over one EventStream: perform its effects (send,
 * timers, end) and resolve once with how the run ended.
 *
 * Backpressure: when a send is refused (the transport buffer is full) and the duplex can
 * pause, reading stops until the buffer drains, so a host that does not read our answers
 * slows down its own requests instead of growing our memory.
 */
export function runWorker(
  duplex: PausableDuplex,
  protocol: WorkerProtocol,
  timers: Timers = realTimers,
  work: (us: number) => void = busyWait,
): Promise<WorkerRunResult> {
  const pending = new Map<string, unknown>();
  let paused = false;
  const throttle = () => {
    if (paused || !duplex.pause || !duplex.resume) return;
    paused = true;
    duplex.pause();
    void duplex.drained().then(() => {
      paused = false;
      duplex.resume!();
    });
  };
  let terminated = false;
  let settle!: (r: WorkerRunResult) => void;
  let settled = false;
  const result = new Promise<WorkerRunResult>((resolve) => (settle = resolve));
  const finish = (r: WorkerRunResult) => {
    if (settled) return;
    settled = true;
    for (const h of pending.values()) timers.clearTimeout(h);
    pending.clear();
    settle(r);
  };

  const apply = (effects: WorkerEffect[]) => {
    for (const e of effects) {
      if (settled) return;
      switch (e.type) {
        case 'send':
          if (!duplex.send(e.bytes)) throttle();
          break;
        case 'set-timer': {
          const old = pending.get(e.id);
          if (old !== undefined) timers.clearTimeout(old);
          pending.set(
            e.id,
            timers.setTimeout(() => {
              pending.delete(e.id);
              apply(protocol.timerFired(e.id));
            }, e.ms),
          );
          break;
        }
        case 'clear-timer': {
          const h = pending.get(e.id);
          if (h !== undefined) timers.clearTimeout(h);
          pending.delete(e.id);
          break;
        }
        case 'end': {
          terminated = true;
          duplex.end();
          const grace = timers.setTimeout(() => {
            duplex.cancel();
            finish({
              exitCode: 0,
              reason: `terminated by the host; stream cut after the ${e.graceMs} ms grace period`,
              crash: false,
            });
          }, e.graceMs);
          pending.set('\0terminate-grace', grace);
          break;
        }
        case 'exit':
          finish({ exitCode: e.code, reason: e.reason, crash: true });
          break;
        case 'work':
          work(e.us);
          break;
      }
    }
  };

  apply(protocol.start());
  duplex.onMessage((bytes) => apply(protocol.receive(bytes)));
  void duplex.done.then((end) => {
    if (terminated)
      finish({ exitCode: 0, reason: 'terminated by the host', status: end.status, crash: false });
    else if (end.status.code === 0)
      finish({ exitCode: 0, reason: 'the host ended the stream', status: end.status, crash: false });
    else
      finish({
        exitCode: 3,
        reason: `the stream broke: ${end.status.code} ${end.status.details}`,
        status: end.status,
        crash: false,
      });
  });
  return result;
}
