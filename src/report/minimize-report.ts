import type { ReplayReport } from './replay-report.js';

/** Why a minimize search stopped before it could show the result is 1-minimal. */
export type MinimizeStop = 'max-runs' | 'time' | 'interrupted';

/**
 * The result of `functape minimize`, plain data: printers render it as text and JSON.
 * Invariant: `oneMinimal` is true only when the search ran to its end and removing any
 * single kept unit was replayed and made the failure go away.
 */
export interface MinimizeReport {
  source: { db: string; session: number };
  out: string;
  /** What "still fails" meant, in words. */
  target: string;
  oneMinimal: boolean;
  stoppedBy?: MinimizeStop;
  units: { before: number; after: number };
  messages: { before: number; after: number };
  /** The kept units, e.g. `invocation hello 5c0e…`. */
  kept: string[];
  /** The pace the result fails at (`fast` after a successful pace reduction). */
  pace: string;
  /** Kept invocations whose input body was emptied (the failure did not need it). */
  emptiedBodies: number;
  runs: number;
  jobs: number;
  durationMs: number;
  /** The replay of the result: the remaining failure. */
  failure: ReplayReport;
}

/** Replays per second over the whole search. */
export function replaysPerSecond(r: Pick<MinimizeReport, 'runs' | 'durationMs'>): number {
  return r.durationMs > 0 ? (r.runs * 1000) / r.durationMs : 0;
}
