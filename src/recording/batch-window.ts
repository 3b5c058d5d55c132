/**
 * When the capture store hands its current batch to the writer thread. Each batch is one
 * transaction and one wake-up of the writer thread, which cost it ~1 ms of CPU besides the
 * rows (benchmark 10): at the rates a worker stream carries, the fewer batches, the less
 * capture costs per frame. The time a batch waits is also what a SIGKILL of the process
 * loses, and how far `show --follow` lags behind the traffic.
 *
 * Contract (`windowStep`): a batch is posted
 * - as soon as it holds `frames` frames or `bytes` bytes (full: the caller checks per frame);
 * - `ms` after its first event, when it holds at least half of either by then;
 * - otherwise (a light batch) `lightMs` after its first event.
 * So no batch waits longer than `lightMs` or grows past full, and at rates that fill half a
 * batch within `ms` batches are posted as often as with a fixed `ms` window.
 */
export interface BatchWindow {
  ms: number;
  lightMs: number;
  frames: number;
  bytes: number;
}

/**
 * How much longer a batch holding `count` frames and `bytes` bytes, whose first event came
 * `ageMs` ago, may wait: 0 means post it now.
 */
export function windowStep(w: BatchWindow, count: number, bytes: number, ageMs: number): number {
  if (count >= w.frames || bytes >= w.bytes) return 0;
  if (ageMs < w.ms) return w.ms - ageMs;
  if (ageMs >= w.lightMs || 2 * count >= w.frames || 2 * bytes >= w.bytes) return 0;
  return w.lightMs - ageMs;
}
