import { ScalarType, type DescField, type DescMessage } from '@bufbuild/protobuf';
import { StreamingMessageSchema } from '../gen/FunctionRpc_pb.js';
import { compileGlob, type NameTest } from './redact-glob.js';

/**
 * Field paths for `--redact-rules`: proto3 JSON paths from the StreamingMessage root,
 * dot-separated, e.g. `invocationRequest.inputData.*.data.string` or `**.rawBody`.
 * A segment is a field name (JSON or proto name), a map key, or a list index; `*`
 * inside a segment matches any characters, and a segment `**` matches any number of
 * segments (zero included). Matching is case-insensitive. A path that ends at a text
 * or bytes field redacts that value; one that ends at a message (or map, or list)
 * redacts every text and bytes value below it. Numbers, booleans, enums and map keys
 * are never redacted.
 */

/** Positions inside the compiled patterns (pattern index × 64 + segment index), sorted. */
export type PathStates = readonly number[];

export interface PathMatcher {
  /** No pattern given: `step` always returns an empty state set. */
  readonly empty: boolean;
  readonly start: PathStates;
  /** Consume one segment, which matches when `name` or `alias` matches (a field's JSON and proto names). */
  step(states: PathStates, name: string, alias?: string): PathStates;
  /** Some pattern has been matched completely. */
  accepts(states: PathStates): boolean;
}

const NONE: PathStates = [];
const MAX_SEGMENTS = 63;

type Segment = { deep: true } | { deep: false; test: NameTest };

export function splitFieldPath(path: string): string[] {
  return path.split('.');
}

export function createPathMatcher(paths: readonly string[]): PathMatcher {
  const patterns: Segment[][] = paths.map((p) =>
    splitFieldPath(p)
      .slice(0, MAX_SEGMENTS)
      .map((s): Segment => (s === '**' ? { deep: true } : { deep: false, test: compileGlob(s) })),
  );
  const closure = (states: number[]): PathStates => {
    const seen = new Set<number>();
    const todo = [...states];
    while (todo.length > 0) {
      const s = todo.pop()!;
      if (seen.has(s)) continue;
      seen.add(s);
      const seg = patterns[s >> 6]![s & 63];
      if (seg?.deep) todo.push(s + 1);
    }
    return [...seen].sort((a, b) => a - b);
  };
  const start = closure(patterns.map((_, i) => i << 6));
  return {
    empty: patterns.length === 0,
    start,
    step(states, name, alias) {
      if (states.length === 0) return NONE;
      const next: number[] = [];
      for (const s of states) {
        const seg = patterns[s >> 6]![s & 63];
        if (seg === undefined) continue; // already complete
        if (seg.deep) next.push(s);
        else if (seg.test(name) || (alias !== undefined && seg.test(alias))) next.push(s + 1);
      }
      return next.length === 0 ? NONE : closure(next);
    },
    accepts(states) {
      for (const s of states) if ((s & 63) === patterns[s >> 6]!.length) return true;
      return false;
    },
  };
}

type Position =
  | { t: 'msg'; desc: DescMessage }
  | { t: 'list' | 'map'; field: DescField }
  | { t: 'text' }
  | { t: 'number' };

function keyOf(p: Position): string {
  if (p.t === 'msg') return `m:${p.desc.typeName}`;
  if (p.t === 'list' || p.t === 'map') return `${p.t}:${p.field.parent.typeName}.${p.field.number}`;
  return p.t;
}

function isText(scalar: ScalarType | undefined): boolean {
  return scalar === ScalarType.STRING || scalar === ScalarType.BYTES;
}

function fieldPosition(f: DescField): Position {
  switch (f.fieldKind) {
    case 'list':
      return { t: 'list', field: f };
    case 'map':
      return { t: 'map', field: f };
    case 'message':
      return { t: 'msg', desc: f.message };
    case 'scalar':
      return isText(f.scalar) ? { t: 'text' } : { t: 'number' };
    default:
      return { t: 'number' };
  }
}

function elementPosition(f: DescField): Position {
  if (f.fieldKind === 'list') {
    if (f.listKind === 'message') return { t: 'msg', desc: f.message };
    return f.listKind === 'scalar' && isText(f.scalar) ? { t: 'text' } : { t: 'number' };
  }
  if (f.fieldKind === 'map') {
    if (f.mapKind === 'message') return { t: 'msg', desc: f.message };
    return f.mapKind === 'scalar' && isText(f.scalar) ? { t: 'text' } : { t: 'number' };
  }
  return { t: 'number' };
}

/** One step down; `seg` null means any segment (for `**`). A list needs an index or a glob matching one. */
function stepPosition(p: Position, seg: string | null): Position[] {
  if (p.t === 'msg') {
    const test = seg === null ? null : compileGlob(seg);
    return p.desc.fields.filter((f) => test === null || test(f.jsonName) || test(f.name)).map(fieldPosition);
  }
  if (p.t === 'list')
    return seg === null || /^\d+$/.test(seg) || compileGlob(seg)('0') ? [elementPosition(p.field)] : [];
  if (p.t === 'map') return [elementPosition(p.field)];
  return [];
}

function dedupe(ps: Position[]): Position[] {
  const byKey = new Map<string, Position>();
  for (const p of ps) byKey.set(keyOf(p), p);
  return [...byKey.values()];
}

function deepClosure(ps: Position[]): Position[] {
  const byKey = new Map<string, Position>();
  const todo = [...ps];
  while (todo.length > 0) {
    const p = todo.pop()!;
    const k = keyOf(p);
    if (byKey.has(k)) continue;
    byKey.set(k, p);
    todo.push(...stepPosition(p, null));
  }
  return [...byKey.values()];
}

/**
 * Check a field path against the StreamingMessage schema. Returns why it can never
 * redact anything (a typo, a number field), or undefined when it is usable.
 */
export function checkFieldPath(path: string): string | undefined {
  const segments = splitFieldPath(path);
  if (segments.some((s) => s === '')) return 'has an empty segment';
  if (segments.length > MAX_SEGMENTS) return `has more than ${MAX_SEGMENTS} segments`;
  let positions: Position[] = [{ t: 'msg', desc: StreamingMessageSchema }];
  for (const seg of segments) {
    if (seg === '**') {
      positions = deepClosure(positions);
      continue;
    }
    const next = dedupe(positions.flatMap((p) => stepPosition(p, seg)));
    if (next.length === 0) {
      const where = positions.filter((p) => p.t === 'msg').map((p) => (p as { desc: DescMessage }).desc.name);
      if (where.length > 0)
        return `no field matches "${seg}" in ${[...new Set(where)].slice(0, 4).join(', ')}`;
      if (positions.some((p) => p.t === 'list'))
        return `"${seg}" follows a list: give an index or * first (e.g. inputData.*.data)`;
      return `"${seg}" goes below a value that has no fields`;
    }
    positions = next;
  }
  if (positions.every((p) => p.t === 'number'))
    return 'ends at a number, boolean or enum field; only text, bytes and messages can be redacted';
  return undefined;
}
