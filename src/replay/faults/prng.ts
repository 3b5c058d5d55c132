/**
 * A seeded pseudo-random generator (mulberry32): the same seed gives the same sequence
 * on every platform, so a fault schedule can be replayed exactly from its `--seed`.
 */
export interface Prng {
  /** A number in [0, 1). */
  next(): number;
  /** Whether an event of probability `percent`% happens. */
  chance(percent: number): boolean;
  /** A whole number in [0, n). */
  below(n: number): number;
}

export function createPrng(seed: number): Prng {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    chance: (percent) => next() * 100 < percent,
    below: (n) => Math.floor(next() * n),
  };
}
