import type { Duplex } from '../model/duplex.js';
import type { Direction } from '../model/frame.js';
import type { Waker } from './event-loop.js';

/**
 * What both replay drivers (host-drive.ts, worker-drive.ts) run a live stream with: the
 * duplex, the waker that sleeps until the next due message or event, the clock, the abort
 * signal and the traffic tap (for `--record`), none of which changes during a run.
 */
export interface StreamRun {
  readonly duplex: Duplex;
  readonly waker: Waker;
  readonly now: () => number;
  readonly signal: AbortSignal | undefined;
  readonly onTraffic: ((direction: Direction, bytes: Uint8Array) => void) | undefined;
}
