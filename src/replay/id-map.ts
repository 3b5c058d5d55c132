import type { JsonValue } from '@bufbuild/protobuf';

/**
 * Recorded ↔ live correlation ids of one replay (worker id, request ids, invocation ids,
 * function ids). Invariant: one-to-one; setting a pair replaces any older pair naming
 * either id.
 */
export interface IdMap {
  set(recorded: string, live: string): void;
  toLive(recorded: string): string | undefined;
  toRecorded(live: string): string | undefined;
  /** Live ids long enough to be replaced inside free text (GUIDs, not function names). */
  readonly size: number;
}

export function createIdMap(): IdMap {
  const toLive = new Map<string, string>();
  const toRecorded = new Map<string, string>();
  return {
    set(recorded, live) {
      const oldLive = toLive.get(recorded);
      if (oldLive !== undefined) toRecorded.delete(oldLive);
      const oldRecorded = toRecorded.get(live);
      if (oldRecorded !== undefined) toLive.delete(oldRecorded);
      toLive.set(recorded, live);
      toRecorded.set(live, recorded);
    },
    toLive: (r) => toLive.get(r),
    toRecorded: (l) => toRecorded.get(l),
    get size() {
      return toLive.size;
    },
  };
}

/** Ids shorter than this are never replaced inside longer strings (function names like "hello"). */
const MIN_EMBEDDED_ID = 16;

/** A GUID anywhere inside a string (the form host and workers use for every id). */
const GUID = /[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/g;

/**
 * Rewrite every string in a JSON view through `lookup`: a string equal to a known id is
 * replaced; GUIDs that `lookup` knows and the `embedded` ids (≥ 16 characters) are also
 * replaced where they occur inside text such as log messages ("Executing ... Id=<guid>").
 * Returns a new value; the input is not changed.
 */
export function rewriteIds(
  json: JsonValue,
  lookup: (id: string) => string | undefined,
  embedded: readonly string[] = [],
): JsonValue {
  const pairs: Array<[string, string]> = [];
  for (const id of embedded) {
    if (id.length < MIN_EMBEDDED_ID) continue;
    const to = lookup(id);
    if (to !== undefined && to !== id) pairs.push([id, to]);
  }
  const walk = (v: JsonValue): JsonValue => {
    if (typeof v === 'string') {
      const exact = lookup(v);
      if (exact !== undefined) return exact;
      let s = v.length >= 36 ? v.replace(GUID, (g) => lookup(g) ?? g) : v;
      for (const [from, to] of pairs) if (s.includes(from)) s = s.split(from).join(to);
      return s;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      const out: Record<string, JsonValue> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x as JsonValue);
      return out;
    }
    return v;
  };
  return walk(json);
}
