/**
 * Pack intervals into lanes, first fit in start order: each goes into the lowest lane
 * whose previous interval ended before it starts. Returns each interval's lane (by input
 * index) and the lane count. Intervals that overlap never share a lane.
 */
export function packLanes(items: readonly { t0: number; t1: number }[]): { lanes: number[]; count: number } {
  const order = items.map((_, i) => i).sort((a, b) => items[a]!.t0 - items[b]!.t0 || a - b);
  const ends: number[] = [];
  const lanes = new Array<number>(items.length).fill(0);
  for (const i of order) {
    const it = items[i]!;
    let lane = ends.findIndex((end) => end < it.t0);
    if (lane === -1) lane = ends.push(0) - 1;
    ends[lane] = Math.max(it.t1, it.t0);
    lanes[i] = lane;
  }
  return { lanes, count: ends.length };
}
