/**
 * Field-path patterns for the diff, over proto3 JSON paths such as
 * `invocationResponse.returnValue.http.headers.date` or `rpcLog.exception.stackTrace`.
 * Array elements are segments too: `a.b[0].c` and `a.b.0.c` are the same path.
 * `*` matches within one segment (`*`, `x-*`), `**` any number of segments. A pattern
 * that matches a prefix of a path ignores everything below it.
 */
export type PathMatcher = (segments: readonly string[]) => boolean;

/**
 * What legitimately changes between two runs of the same worker: its version and runtime
 * metadata (which also carries process ids), stack traces (file paths, line numbers).
 * Timestamps, durations and process ids inside log text are masked, not ignored (see
 * `maskVolatile`).
 */
export const DEFAULT_IGNORES: readonly string[] = [
  '*.workerMetadata',
  'workerInitResponse.workerVersion',
  '**.stackTrace',
];

export function splitPath(path: string): string[] {
  return path
    .replace(/\[(\*|\d+)\]/g, '.$1')
    .split('.')
    .filter((s) => s.length > 0);
}

export function joinPath(segments: readonly string[]): string {
  let out = '';
  for (const s of segments) out += /^\d+$/.test(s) ? `[${s}]` : out ? `.${s}` : s;
  return out;
}

function segmentMatches(pattern: string, segment: string): boolean {
  if (pattern === '*') return true;
  if (!pattern.includes('*')) return pattern === segment;
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return re.test(segment);
}

/** True when `pattern` matches `path` or one of its prefixes. */
function matchesPrefix(pattern: readonly string[], path: readonly string[], pi = 0, si = 0): boolean {
  if (pi === pattern.length) return true;
  if (pattern[pi] === '**') {
    for (let k = si; k <= path.length; k++) if (matchesPrefix(pattern, path, pi + 1, k)) return true;
    return false;
  }
  if (si === path.length) return false;
  return segmentMatches(pattern[pi]!, path[si]!) && matchesPrefix(pattern, path, pi + 1, si + 1);
}

/** A message kind no pattern names: what a pattern matching every message would match. */
const ANY_KIND = ['\u0000any message kind'];

/**
 * Compile patterns into one matcher. Throws on an empty pattern, and on one that matches
 * every message whole (`*`, `**`, `***`): a replay or a --verify run would then compare
 * nothing and always pass, which is never what a regression check means.
 */
export function compileIgnores(patterns: readonly string[]): PathMatcher {
  const compiled = patterns.map((p) => {
    const segs = splitPath(p);
    if (segs.length === 0) throw new Error(`empty --ignore path "${p}"`);
    if (matchesPrefix(segs, ANY_KIND))
      throw new Error(`--ignore "${p}" would ignore every message whole: nothing would be compared`);
    return segs;
  });
  return (segments) => compiled.some((p) => matchesPrefix(p, segments));
}

const VOLATILE: ReadonlyArray<readonly [RegExp, string]> = [
  [/\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?/g, '<time>'],
  [/\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b/g, '<time>'],
  [/\b(pid|process id|processid)(\s*[=:]?\s*)\d+/gi, '$1$2<pid>'],
  [/\b\d+(?:\.\d+)?\s?(?:ns|us|µs|ms|s|sec|secs|seconds|milliseconds)\b/g, '<duration>'],
  [/\b(duration|elapsed|took)(\s*[=:]?\s*)\d+(?:\.\d+)?/gi, '$1$2<duration>'],
];

/** Mask timestamps, durations and process ids inside free text (log messages). */
export function maskVolatile(text: string): string {
  let s = text;
  for (const [re, to] of VOLATILE) s = s.replace(re, to);
  return s;
}
