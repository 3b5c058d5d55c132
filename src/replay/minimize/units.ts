import { assignTriggers } from '../answer-triggers.js';
import type { ReplayFrame } from '../replay-frame.js';
import { functionNames } from '../rewrite-host-message.js';

/** What one removable piece of a recording is. */
export type UnitKind = 'invocation' | 'reload' | 'status' | 'warmup';

/**
 * A piece of a recorded session that can be left out while the rest stays causally valid:
 * its host messages (an invocation's request and cancel; a reload, status or warmup
 * request) and the recorded answers to them.
 */
export interface Unit {
  kind: UnitKind;
  /** Seqs of its host messages and recorded answers, ascending. */
  seqs: number[];
  /** Invocations: the recorded invocation id and function id. */
  invocationId?: string;
  functionId?: string;
  /** e.g. `invocation hello 5c0e…` or `status request (seq 812)`. */
  label: string;
}

/**
 * A session cut into units. Invariant: every frame's seq is in exactly one of `setup`,
 * one function's `loads`, or one unit's `seqs`.
 */
export interface SessionUnits {
  /** Always kept: StartStream, init, metadata, load collections, terminate, unprompted messages. */
  setup: Set<number>;
  /** function id → its load request and response seqs: kept while an invocation of it is kept. */
  loads: Map<string, number[]>;
  units: Unit[];
  /** function id → function name, from the load requests. */
  functionName: Map<string, string>;
}

const UNIT_OF_KIND: Readonly<Record<string, UnitKind>> = {
  functionEnvironmentReloadRequest: 'reload',
  workerStatusRequest: 'status',
  workerWarmupRequest: 'warmup',
};

/** Cut a recorded session (frames in seq order) into setup, per-function loads and units. */
export function extractUnits(frames: readonly ReplayFrame[]): SessionUnits {
  const triggers = assignTriggers(frames);
  const setup = new Set<number>();
  const loads = new Map<string, number[]>();
  const functionName = new Map<string, string>();
  const units: Unit[] = [];
  /** host seq → the unit or load list it went into. */
  const owner = new Map<number, number[]>();
  const invocationUnit = new Map<string, Unit>();
  for (const f of frames) {
    if (f.direction === 'toHost') {
      const trigger = triggers.get(f.seq);
      const inv = f.invocationId ? invocationUnit.get(f.invocationId) : undefined;
      const into = inv?.seqs ?? (trigger !== undefined ? owner.get(trigger) : undefined);
      if (into) into.push(f.seq);
      else setup.add(f.seq);
      continue;
    }
    const unitKind = UNIT_OF_KIND[f.kind];
    if (f.kind === 'invocationRequest' && f.invocationId && !invocationUnit.has(f.invocationId)) {
      const name = functionName.get(f.functionId ?? '') ?? f.functionId ?? '?';
      const unit: Unit = {
        kind: 'invocation',
        seqs: [f.seq],
        invocationId: f.invocationId,
        ...(f.functionId !== undefined ? { functionId: f.functionId } : {}),
        label: `invocation ${name} ${f.invocationId}`,
      };
      units.push(unit);
      invocationUnit.set(f.invocationId, unit);
      owner.set(f.seq, unit.seqs);
    } else if (f.kind === 'invocationCancel' && f.invocationId && invocationUnit.has(f.invocationId)) {
      const seqs = invocationUnit.get(f.invocationId)!.seqs;
      seqs.push(f.seq);
      owner.set(f.seq, seqs);
    } else if (f.kind === 'functionLoadRequest' && f.functionId) {
      for (const n of functionNames(f.bytes)) if (n.name) functionName.set(n.functionId, n.name);
      const seqs = loads.get(f.functionId) ?? [];
      seqs.push(f.seq);
      loads.set(f.functionId, seqs);
      owner.set(f.seq, seqs);
    } else if (unitKind) {
      const unit: Unit = { kind: unitKind, seqs: [f.seq], label: `${f.kind} (seq ${f.seq})` };
      units.push(unit);
      owner.set(f.seq, unit.seqs);
    } else {
      if (f.kind === 'functionLoadRequestCollection')
        for (const n of functionNames(f.bytes)) if (n.name) functionName.set(n.functionId, n.name);
      setup.add(f.seq);
    }
  }
  return { setup, loads, units, functionName };
}

/**
 * The frames of a candidate recording: setup, the kept units (by index into `units`), and
 * the loads of functions a kept invocation names, in recorded order. `rewrite` replaces a
 * kept frame's bytes (e.g. an invocation with its body emptied).
 */
export function candidateFrames(
  frames: readonly ReplayFrame[],
  su: SessionUnits,
  kept: readonly number[],
  rewrite?: ReadonlyMap<number, Uint8Array>,
): ReplayFrame[] {
  const seqs = new Set(su.setup);
  for (const i of kept) {
    const unit = su.units[i]!;
    for (const s of unit.seqs) seqs.add(s);
    if (unit.functionId !== undefined) for (const s of su.loads.get(unit.functionId) ?? []) seqs.add(s);
  }
  const out: ReplayFrame[] = [];
  for (const f of frames) {
    if (!seqs.has(f.seq)) continue;
    const bytes = rewrite?.get(f.seq);
    out.push(bytes ? { ...f, bytes } : f);
  }
  return out;
}
