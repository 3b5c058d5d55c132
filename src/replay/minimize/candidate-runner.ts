import type { ReplayReport } from '../../report/replay-report.js';
import type { MinimizeStop } from '../../report/minimize-report.js';
import type { ReplayFrame } from '../replay-frame.js';

/** A recording to try: its frames and whether to replay it at `fast` instead of the given pace. */
export interface Candidate {
  frames: ReplayFrame[];
  fast: boolean;
}

/** Replays one candidate against a fresh worker; `signal` aborts it (the report is then interrupted). */
export type ReplayCandidate = (c: Candidate, signal: AbortSignal) => Promise<ReplayReport>;

export interface CandidateRunnerOptions {
  replay: ReplayCandidate;
  fails: (report: ReplayReport) => boolean;
  jobs: number;
  maxRuns?: number;
  timeMs?: number;
  now: () => number;
  signal?: AbortSignal;
  onRun?: () => void;
}

/**
 * Runs batches of candidates, `jobs` at a time, counting runs and watching the bounds.
 * `first` answers with the lowest-index candidate that fails: once one fails, no later
 * candidate starts and later running ones are aborted, so the answer is the one a
 * sequential search gives.
 */
export interface CandidateRunner {
  first(batch: readonly Candidate[]): Promise<BatchResult>;
  /** Why no more runs may start, if a bound is reached or the search was interrupted. */
  stopped(): MinimizeStop | undefined;
  readonly runs: number;
}

/** `found`: the first failing candidate; `complete`: every candidate before it (or all) was replayed. */
export interface BatchResult {
  found?: { index: number; report: ReplayReport };
  complete: boolean;
}

export function createCandidateRunner(o: CandidateRunnerOptions): CandidateRunner {
  const t0 = o.now();
  let runs = 0;
  const stopped = (): MinimizeStop | undefined => {
    if (o.signal?.aborted) return 'interrupted';
    if (o.maxRuns !== undefined && runs >= o.maxRuns) return 'max-runs';
    if (o.timeMs !== undefined && o.now() - t0 >= o.timeMs) return 'time';
    return undefined;
  };
  async function first(batch: readonly Candidate[]): Promise<BatchResult> {
    let found: { index: number; report: ReplayReport } | undefined;
    let next = 0;
    const replayed = new Set<number>();
    const running = new Map<number, AbortController>();
    const onAbort = () => {
      for (const c of running.values()) c.abort();
    };
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const lane = async () => {
      while (next < batch.length && (found === undefined || next < found.index) && !stopped()) {
        const index = next++;
        const ac = new AbortController();
        running.set(index, ac);
        runs++;
        const report = await o.replay(batch[index]!, ac.signal);
        running.delete(index);
        if (!ac.signal.aborted) replayed.add(index);
        o.onRun?.();
        if (ac.signal.aborted || !o.fails(report)) continue;
        if (found === undefined || index < found.index) {
          found = { index, report };
          for (const [j, c] of running) if (j > index) c.abort();
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.max(1, o.jobs) }, lane));
    } finally {
      o.signal?.removeEventListener('abort', onAbort);
    }
    const needed = found ? found.index + 1 : batch.length;
    let complete = true;
    for (let i = 0; i < needed; i++) complete &&= replayed.has(i);
    return { ...(found ? { found } : {}), complete };
  }
  return {
    first,
    stopped,
    get runs() {
      return runs;
    },
  };
}
