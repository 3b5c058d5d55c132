/**
 * Delta debugging (ddmin, Zeller & Hildebrandt 2002) as a step machine with no I/O: it
 * proposes a batch of candidate subsets of the current configuration, is told which one
 * (the first in batch order) still fails, and narrows down. Batches are what may run in
 * parallel: subsets Δ1..Δn first, then complements ∇1..∇n (only for n > 2, where they
 * differ from the subsets). Driving it by trying each batch's candidates in order and
 * answering with the first failing one gives exactly sequential ddmin.
 *
 * Contract: every candidate is a proper, non-empty subset of the current configuration
 * (element indices ascending); `done` comes once no subset and no complement fails at
 * n = |current|, so the result is 1-minimal with respect to the oracle (removing any
 * single element makes the failure go away), unless the caller stops early.
 */
export interface Ddmin {
  /** The configuration the search has narrowed to so far (fails, by the oracle). */
  readonly current: readonly number[];
  /** The next batch to try, or undefined when the search is done. */
  batch(): number[][] | undefined;
  /** The index in the last batch of the first candidate that failed, or undefined: none did. */
  answer(firstFailing: number | undefined): void;
}

/** Start ddmin over `elements` (which fail together, by the caller's check). */
export function createDdmin(elements: readonly number[]): Ddmin {
  let current = [...elements];
  let n = 2;
  let done = false;
  let last: { subsets: number; candidates: number[][] } | undefined;
  return {
    get current() {
      return current;
    },
    batch() {
      if (done || current.length < 2) return undefined;
      n = Math.min(n, current.length);
      const subsets = split(current, n);
      const complements = n > 2 ? subsets.map((_, i) => subsets.filter((__, j) => j !== i).flat()) : [];
      last = { subsets: subsets.length, candidates: [...subsets, ...complements] };
      return last.candidates;
    },
    answer(firstFailing) {
      if (!last) throw new Error('ddmin: answer() without a batch');
      const { subsets, candidates } = last;
      last = undefined;
      if (firstFailing !== undefined) {
        current = candidates[firstFailing]!;
        n = firstFailing < subsets ? 2 : Math.max(n - 1, 2);
        return;
      }
      if (n >= current.length) done = true;
      else n = Math.min(2 * n, current.length);
    },
  };
}

/** `xs` cut into `n` contiguous parts of near-equal size (the first ones one longer). */
export function split<T>(xs: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  let start = 0;
  for (let i = 0; i < n; i++) {
    const size = Math.floor(xs.length / n) + (i < xs.length % n ? 1 : 0);
    out.push(xs.slice(start, start + size));
    start += size;
  }
  return out;
}
