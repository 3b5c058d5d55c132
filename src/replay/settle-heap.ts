import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A full garbage collection on demand, for the moment just before a paced timeline starts:
 * the heap a replay builds while it starts (modules, the protobuf registry, the plan, the
 * warm-up's garbage) is otherwise collected by V8's first major GC some 10 ms into the
 * timeline — concurrent marking on the other core, then a 1–6 ms pause on the main thread
 * — and a paced message due then goes out late. Collected before the first timed send,
 * the next major GC is far off (its limit is set from the small live heap) and the young
 * generation starts empty.
 *
 * Node offers no GC call without `--expose-gc`; the flag is switched on only long enough
 * for a fresh context to be given V8's `gc` function, then off again, so the flag hash
 * (which Node's built-in code cache is checked against) is as before and no other command
 * pays anything: only the replay path calls this.
 *
 * Contract: `settle()` runs a full, synchronous collection and returns true, or returns
 * false (and does nothing) where the gc function cannot be had; neither method throws.
 * A settler shares no state with other settlers.
 */
export interface HeapSettler {
  settle(): boolean;
  /**
   * For idle moments of a timeline (the waker's `onIdle`): a minor GC if at least
   * IDLE_GC_EVERY_MS have passed since the last one this settler ran (or it never ran one).
   * Returns whether it ran one. Young-generation GCs otherwise start when an allocation
   * finds the young generation full — in a paced replay that is in the busy-wait just
   * before a send, since that is where most allocation happens — and the send waits for
   * it (0.6–1.3 ms, measured); collected while idle, the young generation never fills.
   */
  idle(nowMs: number): boolean;
}

/**
 * At most one idle minor GC per this many ms: each costs ~0.3–0.5 ms (measured in bench 6's
 * replay process, mostly fixed costs), and a paced replay allocates ~35 KB per message at
 * 10 ms gaps, so 100 ms leaves the young generation far from full at ≤ 1 MB per 100 ms.
 */
export const IDLE_GC_EVERY_MS = 100;

/**
 * V8's gc(): with no argument a full synchronous collection, with `{ type: 'minor' }` a
 * young-generation one (Node 20's V8 also runs a minor one for `{ type: 'major' }`).
 */
export type GcFunction = (options?: { type: 'minor' }) => unknown;

/** `gc`: use this function instead of V8's (tests). */
export function createHeapSettler(gcOverride?: GcFunction): HeapSettler {
  let gc: GcFunction | undefined = gcOverride;
  let tried = gcOverride !== undefined;
  let lastIdleMs = Number.NEGATIVE_INFINITY;
  const obtain = (): GcFunction | undefined => {
    if (tried) return gc;
    tried = true;
    try {
      setFlagsFromString('--expose-gc');
      const fn: unknown = runInNewContext('typeof gc === "function" ? gc : undefined');
      if (typeof fn === 'function') gc = fn as GcFunction;
    } catch {
      gc = undefined;
    } finally {
      try {
        setFlagsFromString('--no-expose-gc');
      } catch {
        // The flag stays on: harmless (it only exposes gc to contexts created later).
      }
    }
    return gc;
  };
  return {
    settle() {
      const fn = obtain();
      if (!fn) return false;
      try {
        fn();
        return true;
      } catch {
        return false;
      }
    },
    idle(nowMs) {
      if (nowMs - lastIdleMs < IDLE_GC_EVERY_MS) return false;
      const fn = obtain();
      if (!fn) return false;
      lastIdleMs = nowMs;
      try {
        fn({ type: 'minor' });
        return true;
      } catch {
        return false;
      }
    },
  };
}
