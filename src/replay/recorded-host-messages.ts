import type { JsonValue } from '@bufbuild/protobuf';
import type { SecretMask } from '../codec/secret-mask.js';
import type { CausalPlan, PlanStep } from './causal-plan.js';
import { comparableView } from './compare-answers.js';
import { diffJson } from './json-diff.js';

/** A recorded host message the worker side of a replay can answer a live one with. */
export interface Recorded {
  step: PlanStep;
  /** Its comparable view (redacted JSON, recorded ids). */
  json: JsonValue;
  /** A live message was matched to it. */
  used: boolean;
}

/**
 * The recorded host messages, indexed for matching live ones. Invariants: every step of the
 * plan is in `byKind` exactly once, in recorded order; `invocationsByFn` and `byExactInput`
 * hold the same Recorded objects as `byKind`'s invocationRequest list (so `used` is shared);
 * `firstUnused` is the index of the first unused invocation of its function (or the length).
 */
export interface RecordedHostMessages {
  readonly byKind: Map<string, Recorded[]>;
  /** Recorded function id → its recorded invocations, in order. */
  readonly invocationsByFn: Map<string, { list: Recorded[]; firstUnused: number }>;
  /** Recorded function id + input key → the recorded invocations with exactly that input. */
  readonly byExactInput: Map<string, Recorded[]>;
}

export function indexRecordedHostMessages(plan: CausalPlan, secrets: SecretMask): RecordedHostMessages {
  const byKind = new Map<string, Recorded[]>();
  for (const step of plan.steps) {
    const list = byKind.get(step.frame.kind) ?? [];
    list.push({ step, json: comparableView(step.frame.bytes, secrets), used: false });
    byKind.set(step.frame.kind, list);
  }
  // Recorded invocations per function, and by exact input, for picking the closest one.
  const invocationsByFn = new Map<string, { list: Recorded[]; firstUnused: number }>();
  const byExactInput = new Map<string, Recorded[]>();
  for (const r of byKind.get('invocationRequest') ?? []) {
    const fn = r.step.frame.functionId ?? '';
    const entry = invocationsByFn.get(fn) ?? { list: [], firstUnused: 0 };
    entry.list.push(r);
    invocationsByFn.set(fn, entry);
    const key = `${fn}\0${inputKey(r.json)}`;
    byExactInput.set(key, [...(byExactInput.get(key) ?? []), r]);
  }
  return { byKind, invocationsByFn, byExactInput };
}

/**
 * Takes a recorded message of this kind and marks it used. Without `pick`: the first
 * unused one, or (all used) the last one, reused. With `pick`: the lowest score among the
 * unused ones (all, when every one is used); none when every score is infinite.
 */
export function take(
  h: RecordedHostMessages,
  kind: string,
  pick?: (r: Recorded) => number,
): Recorded | undefined {
  const list = h.byKind.get(kind) ?? [];
  if (list.length === 0) return undefined;
  const unused = list.filter((r) => !r.used);
  const pool = unused.length > 0 ? unused : list;
  let best = pool[0]!;
  if (pick) {
    let bestScore = Number.POSITIVE_INFINITY;
    for (const r of pool) {
      const score = pick(r);
      if (score < bestScore) [best, bestScore] = [r, score];
    }
    if (!Number.isFinite(bestScore)) return undefined;
  } else if (unused.length === 0) best = list[list.length - 1]!;
  best.used = true;
  return best;
}

/**
 * The recorded invocation to answer a live one with: of the same function, an unused one
 * with the same input if any, else the unused one with the closest input among the next
 * SCAN unused ones, else (all used) the closest among the first SCAN recorded ones.
 */
export function pickInvocation(
  h: RecordedHostMessages,
  recFn: string,
  live: JsonValue,
): Recorded | undefined {
  const entry = h.invocationsByFn.get(recFn);
  if (!entry) return undefined;
  const use = (r: Recorded) => {
    r.used = true;
    while (entry.firstUnused < entry.list.length && entry.list[entry.firstUnused]!.used) entry.firstUnused++;
    return r;
  };
  const exact = h.byExactInput.get(`${recFn}\0${inputKey(live)}`);
  const exactUnused = exact?.find((r) => !r.used);
  if (exactUnused) return use(exactUnused);
  const candidates: Recorded[] = [];
  for (let i = entry.firstUnused; i < entry.list.length && candidates.length < SCAN; i++)
    if (!entry.list[i]!.used) candidates.push(entry.list[i]!);
  if (candidates.length === 0) {
    if (exact) return exact[0];
    candidates.push(...entry.list.slice(0, SCAN));
  }
  let best = candidates[0]!;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const r of candidates) {
    const score = inputDistance(r.json, live);
    if (score < bestScore) [best, bestScore] = [r, score];
    if (score === 0) break;
  }
  return use(best);
}

/** Recorded host messages no live message was matched to. */
export function countUnused(h: RecordedHostMessages): number {
  let n = 0;
  for (const list of h.byKind.values()) n += list.filter((r) => !r.used).length;
  return n;
}

/** How many recorded invocations are compared with a live one when no input matches exactly. */
const SCAN = 64;

/** The input of an invocation: its input bindings and trigger metadata. */
function pickInput(j: JsonValue): JsonValue {
  const r = j && typeof j === 'object' && !Array.isArray(j) ? j.invocationRequest : undefined;
  if (!r || typeof r !== 'object' || Array.isArray(r)) return null;
  return { inputData: r.inputData ?? null, triggerMetadata: r.triggerMetadata ?? null };
}

function inputKey(j: JsonValue): string {
  return JSON.stringify(pickInput(j));
}

/** How far a live invocation's input is from a recorded one: the number of differing input fields. */
function inputDistance(recorded: JsonValue, live: JsonValue): number {
  return diffJson(pickInput(recorded), pickInput(live)).length;
}
