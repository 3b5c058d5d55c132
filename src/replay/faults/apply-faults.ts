import type { CausalPlan } from '../causal-plan.js';
import type { HostFault } from './fault-spec.js';
import { createFaultContext, type FaultSchedule } from './fault-schedule.js';
import * as T from './fault-transforms.js';
import { createPrng } from './prng.js';

/**
 * Apply host faults to a causal plan, in the order given, with one PRNG seeded by `seed`:
 * the same plan, faults and seed always give the same schedule. `stall` and `break` are
 * not schedule changes; they are handed to the driver as data.
 */
export function applyFaults(plan: CausalPlan, faults: readonly HostFault[], seed: number): FaultSchedule {
  const rng = createPrng(seed);
  const ctx = createFaultContext(plan);
  let s: FaultSchedule = {
    plan,
    notes: [],
    tolerance: new Map(),
    twiceRequests: new Set(),
    copied: new Set(),
  };
  for (const f of faults) {
    switch (f.type) {
      case 'delay':
        s = T.delay(s, f, rng, ctx);
        break;
      case 'reorder':
        s = T.reorder(s, f, rng, ctx);
        break;
      case 'early-load':
        s = T.earlyLoad(s, f, rng, ctx);
        break;
      case 'early-invoke':
        s = T.earlyInvoke(s, f, rng, ctx);
        break;
      case 'late-reload':
        s = T.lateReload(s, f, rng, ctx);
        break;
      case 'cancel':
        s = T.cancel(s, f, rng, ctx);
        break;
      case 'dup':
        s = T.dup(s, f, rng, ctx);
        break;
      case 'drop':
        s = T.drop(s, f, rng, ctx);
        break;
      case 'stall':
        s = { ...s, stall: { ms: f.ms, everyMs: f.everyMs } };
        break;
      case 'break':
        s = { ...s, breakAfter: f.afterMessages };
        break;
    }
  }
  return s;
}
