import type { ReplayOutcome } from '../report/replay-report.js';
import { compareAnswer, type CompareOptions } from './compare-answers.js';

/**
 * The comparer of a host replay: the field diff of each live answer against its recorded
 * one, run off the timed path. An answer is timed and matched when it arrives; its diff
 * waits in a queue and runs when the engine has slack (`drain`), when the queue is full
 * (`limit` waiting: memory stays bounded on a replay that never idles), or at the end.
 *
 * Invariant: every outcome handed to `defer` gets its differences and its final status
 * (matched or differed) exactly once, in arrival order, before `drain()` returns.
 */
export interface AnswerComparer {
  /** Queue the diff of a live answer; the outcome's status is provisional until then. */
  defer(outcome: ReplayOutcome, recorded: Uint8Array, live: Uint8Array): void;
  /** Run queued diffs until at most `keep` wait (default: none). */
  drain(keep?: number): void;
  readonly pending: number;
}

/** How many diffs may wait: past it, the oldest runs at once. */
export const DEFAULT_COMPARE_QUEUE = 256;

interface Queued {
  outcome: ReplayOutcome;
  recorded: Uint8Array;
  live: Uint8Array;
}

export function createAnswerComparer(options: CompareOptions, limit = DEFAULT_COMPARE_QUEUE): AnswerComparer {
  let queue: Queued[] = [];
  let head = 0;
  const run = (q: Queued) => {
    const differences = compareAnswer(q.recorded, q.live, options);
    q.outcome.differences = differences;
    q.outcome.status = differences.length ? 'differed' : 'matched';
  };
  const drain = (keep = 0) => {
    while (queue.length - head > keep) run(queue[head++]!);
    if (head === queue.length || head > limit) {
      queue = queue.slice(head);
      head = 0;
    }
  };
  return {
    defer(outcome, recorded, live) {
      queue.push({ outcome, recorded, live });
      if (queue.length - head > limit) drain(limit);
    },
    drain,
    get pending() {
      return queue.length - head;
    },
  };
}
