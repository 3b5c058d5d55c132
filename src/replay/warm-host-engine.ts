import { planSession } from './causal-plan.js';
import { createHostEngine, type HostEngineOptions } from './host-engine.js';
import type { ReplayFrame } from './replay-frame.js';

/** How many recorded frames the warm-up plays, and how many times. */
const WARM_FRAMES = 64;
const WARM_ROUNDS = 3;

/**
 * Compile the replay's send and receive paths before the first timed message: play the
 * first frames of the recording through throwaway engines (fast pace, their own ids),
 * answering with the recorded answers, and drop everything they produce. V8 compiles a
 * function on its first calls; without this, the first ~30 paced messages of a replay
 * went out 0.1–0.5 ms late.
 *
 * Invariants: sends nothing, calls none of the caller's callbacks (`newId` included), and
 * shares no state with the real engine; its cost is bounded by WARM_FRAMES × WARM_ROUNDS.
 */
export function warmHostEngine(frames: readonly ReplayFrame[], options: HostEngineOptions): void {
  const head = frames.slice(0, WARM_FRAMES);
  if (!head.some((f) => f.direction === 'toWorker')) return;
  const plan = planSession(head);
  for (let round = 0; round < WARM_ROUNDS; round++) {
    let n = 0;
    const e = createHostEngine(plan, {
      ...options,
      pace: { mode: 'fast' },
      newId: () => `warm-${round}-${++n}`,
      prepareAheadMs: 1,
    });
    let t = 0;
    e.poll(t);
    for (const f of head) {
      t += 0.001;
      if (f.direction === 'toHost') e.receive(f.bytes, t);
      e.poll(t);
    }
    e.finish(t + 1);
  }
}
