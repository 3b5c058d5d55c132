import type { ViewReader } from '../recording/view-reader.js';
import { addCounts, coarsen, covers, createSummary, type TimelineSummary } from '../report/view-summary.js';

/** Messages counted per step of a summary. */
const CHUNK = 20_000;
/** Time a timeline request spends extending a summary before it answers with what there is. */
const BUDGET_MS = 200;
/** Summaries kept (one per session looked at, least recently used dropped). */
const KEEP = 4;

/**
 * The TimelineSummary of each session looked at (the KEEP most recent), counted a chunk
 * at a time: `summary(id)` extends it for at most BUDGET_MS by `now()`, so a first look at
 * a big session answers with the part counted so far and each later request counts more
 * (the page asks again while its view is not `indexed`). A live session's summary grows
 * with it, coarsening its buckets when messages fall beyond them.
 */
export function createSummaryCache(
  reader: ViewReader,
  now: () => number,
): { summary(id: number): TimelineSummary } {
  const summaries = new Map<number, TimelineSummary>();
  return {
    summary(id) {
      const endNs = reader.lastTime(id);
      let s = summaries.get(id);
      summaries.delete(id);
      if (!s) s = createSummary(endNs);
      summaries.set(id, s);
      if (summaries.size > KEEP) summaries.delete(summaries.keys().next().value!);
      while (!covers(s, endNs)) coarsen(s);
      const until = now() + BUDGET_MS;
      while (now() < until) {
        const got = reader.bucketCounts(id, s.lastSeq + 1, CHUNK, s.widthNs);
        if (got.lastSeq === undefined) break;
        if (!covers(s, got.lastNs!)) {
          coarsen(s);
          continue;
        }
        addCounts(s, got.counts, got.lastSeq, got.lastNs!);
      }
      return s;
    },
  };
}
