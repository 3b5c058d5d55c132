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
 * false (and does nothing) where the gc function cannot be had; it never throws. It
 * allocates no state shared with other callers.
 */
export interface HeapSettler {
  settle(): boolean;
}

/** V8's gc(): with no argument, a full synchronous collection (Node 20's V8 runs a minor one for `{ type: 'major' }`). */
type GcFunction = () => unknown;

export function createHeapSettler(): HeapSettler {
  let gc: GcFunction | undefined;
  let tried = false;
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
  };
}
