/**
 * What a replay with faults did, plain data (see replay/faults/). Invariant: `injected`
 * lists every fault performed, in the order it happened: the ones decided up front
 * (drops, moved gates) first, then each as its message was sent.
 */
export interface InjectedFault {
  /** The live host message it happened at (1-based count of messages sent), when it was a send. */
  at?: number;
  /** The recorded seq of the message it changed (absent for stalls and messages functape added). */
  recordedSeq?: number;
  /** `delay`, `reorder`, `early-load`, `cancel`, `dup`, `drop`, `stall`, `break`, ... */
  fault: string;
  /** What was done, in words. */
  detail: string;
}

export interface FaultReport {
  /** The PRNG seed: the same seed, recording and specs give the same schedule. */
  seed: number;
  /** The specs as given. */
  specs: string[];
  injected: InjectedFault[];
  /** A failure the faults revealed beyond the answers (e.g. the worker did not exit after a break). */
  failure?: string;
}
