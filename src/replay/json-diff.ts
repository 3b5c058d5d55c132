import type { JsonValue } from '@bufbuild/protobuf';
import { isMarkerText } from '../codec/redact-marker.js';
import type { FieldDifference } from '../report/replay-report.js';
import { joinPath, type PathMatcher } from './ignore-paths.js';

export type { FieldDifference };

/**
 * Compare two proto3 JSON views field by field. Objects are compared key by key (a key
 * present on one side only is a difference for each leaf below it), arrays element by
 * element, scalars by value. Paths the matcher ignores are skipped with everything below.
 * Differences come in a stable order: recorded keys first, then keys only the live side has.
 *
 * `mark` (a SecretMask's `text`): a string leaf that is a redaction marker on one side and
 * plain text on the other is compared as the marker of that text, and a difference shows
 * that marker, never the text. So a field the recording redacted matches the same secret
 * live, and a different secret differs without being shown (docs/SECURITY.md).
 */
export function diffJson(
  recorded: JsonValue | undefined,
  live: JsonValue | undefined,
  ignore: PathMatcher = () => false,
  mark?: (text: string) => string,
): FieldDifference[] {
  const out: FieldDifference[] = [];
  walk(recorded, live, [], { ignore, mark }, out);
  return out;
}

interface Walk {
  ignore: PathMatcher;
  mark: ((text: string) => string) | undefined;
}

function isObject(v: JsonValue | undefined): v is { [k: string]: JsonValue } {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function walk(
  a: JsonValue | undefined,
  b: JsonValue | undefined,
  path: string[],
  w: Walk,
  out: FieldDifference[],
): void {
  if (path.length > 0 && w.ignore(path)) return;
  if (isObject(a) || isObject(b)) {
    if (isObject(a) && isObject(b)) {
      for (const k of Object.keys(a)) walk(a[k], b[k], [...path, k], w, out);
      for (const k of Object.keys(b)) if (!(k in a)) walk(undefined, b[k], [...path, k], w, out);
      return;
    }
    if (a === undefined || b === undefined) {
      const obj = (isObject(a) ? a : b) as { [k: string]: JsonValue };
      for (const k of Object.keys(obj))
        walk(
          a === undefined ? undefined : obj[k],
          b === undefined ? undefined : obj[k],
          [...path, k],
          w,
          out,
        );
      return;
    }
    out.push(leaf(path, a, b));
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.max(a.length, b.length);
    for (let i = 0; i < n; i++) walk(a[i], b[i], [...path, String(i)], w, out);
    return;
  }
  if (
    typeof a === 'string' &&
    typeof b === 'string' &&
    a !== b &&
    w.mark &&
    isMarkerText(a) !== isMarkerText(b)
  ) {
    const [ra, rb] = isMarkerText(a) ? [a, w.mark(b)] : [w.mark(a), b];
    if (ra !== rb) out.push(leaf(path, ra, rb));
    return;
  }
  if (!sameScalar(a, b)) out.push(leaf(path, a, b));
}

function sameScalar(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (Array.isArray(a) || Array.isArray(b)) return JSON.stringify(a) === JSON.stringify(b);
  return a === b;
}

function leaf(path: string[], recorded: JsonValue | undefined, live: JsonValue | undefined): FieldDifference {
  const d: FieldDifference = { path: joinPath(path) };
  if (recorded !== undefined) d.recorded = recorded;
  if (live !== undefined) d.live = live;
  return d;
}
