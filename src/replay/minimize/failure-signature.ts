import type { ReplayReport } from '../../report/replay-report.js';
import { compileIgnores, splitPath, type PathMatcher } from '../ignore-paths.js';

/**
 * What a failing host replay failed with, comparable between replays of different
 * recordings: the stream broke (the worker crashed or reset it), or the set of
 * (answer kind, function, differing field path) plus missing and unexpected answers by
 * kind and function. `entries` is sorted and free of duplicates.
 */
export interface FailureSignature {
  broke: boolean;
  entries: string[];
}

/**
 * What counts as "still fails": `same` (the signature of the original failure), or a
 * class of failure (`differs`, `missing`, `broke`) or a field path (`*`/`**` wildcards)
 * that some differing answer must show.
 */
export type FailureTarget =
  | { type: 'same'; signature: FailureSignature }
  | { type: 'until'; what: 'differs' | 'missing' | 'broke' }
  | { type: 'until'; what: 'path'; path: string };

/** Read `--until`: a class name, or any other word as a field path (throws on a bad one). */
export function parseUntil(value: string): FailureTarget {
  if (value === 'differs' || value === 'missing' || value === 'broke') return { type: 'until', what: value };
  compileIgnores([value]);
  return { type: 'until', what: 'path', path: value };
}

/** The signature of a replay; undefined when it did not fail (or was interrupted: no verdict). */
export function failureSignature(
  report: ReplayReport,
  functionName: (functionId: string) => string | undefined = () => undefined,
): FailureSignature | undefined {
  if (report.interrupted) return undefined;
  const entries = new Set<string>();
  for (const o of report.outcomes) {
    const fn = o.functionName ?? (o.functionId ? functionName(o.functionId) : undefined) ?? '-';
    if (o.status === 'differed') for (const d of o.differences) entries.add(`${o.kind} ${fn} ${d.path}`);
    else if (o.status === 'missing' || o.status === 'extra') entries.add(`${o.kind} ${fn} (${o.status})`);
  }
  if (!report.stream.broken && entries.size === 0) return undefined;
  return { broke: report.stream.broken, entries: [...entries].sort() };
}

/**
 * True when `report` shows the target failure. A broken stream is its own failure: the
 * same as an original that broke, whatever went missing with it; otherwise the sets of
 * entries must be equal.
 */
export function showsFailure(
  report: ReplayReport,
  target: FailureTarget,
  functionName?: (functionId: string) => string | undefined,
): boolean {
  if (report.interrupted) return false;
  if (target.type === 'same') {
    const sig = failureSignature(report, functionName);
    if (!sig) return false;
    if (target.signature.broke || sig.broke) return target.signature.broke === sig.broke;
    return sameEntries(sig.entries, target.signature.entries);
  }
  switch (target.what) {
    case 'broke':
      return report.stream.broken;
    case 'missing':
      return report.counts.missing > 0;
    case 'differs':
      return report.counts.differed > 0;
    case 'path': {
      const match: PathMatcher = compileIgnores([target.path]);
      return report.outcomes.some((o) => o.differences.some((d) => match(splitPath(d.path))));
    }
  }
}

function sameEntries(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** One line naming a target, for the report: `the same failure (2 differing fields)`, `--until broke`. */
export function describeTarget(target: FailureTarget): string {
  if (target.type === 'until') return `--until ${target.what === 'path' ? target.path : target.what}`;
  const s = target.signature;
  if (s.broke) return 'the same failure: the worker broke the stream';
  const n = s.entries.length;
  const onlyFields = s.entries.every((e) => !/ \((missing|extra)\)$/.test(e));
  const what = onlyFields ? `differing answer field${n === 1 ? '' : 's'}` : `failing answers and fields`;
  return `the same failure: ${n} ${what} (${s.entries.slice(0, 3).join('; ')}${n > 3 ? '; …' : ''})`;
}
