/**
 * Name patterns for redaction rules: `*` matches any run of characters, everything
 * else is literal, and matching is case-insensitive (HTTP header names, query keys and
 * environment names are compared that way).
 */
export type NameTest = (name: string) => boolean;

/** One pattern → a test. A pattern without `*` is an exact, case-insensitive name. */
export function compileGlob(pattern: string): NameTest {
  const lower = pattern.toLowerCase();
  if (!lower.includes('*')) return (name) => name.length === lower.length && name.toLowerCase() === lower;
  if (/^\*+$/.test(lower)) return () => true;
  const source = lower.split('*').map(escapeRegExp).join('.*');
  const re = new RegExp(`^${source}$`, 'is');
  return (name) => re.test(name);
}

/** Any of the patterns matches. Exact names are looked up in a set; only globs are tried one by one. */
export function compileGlobs(patterns: readonly string[]): NameTest {
  const exact = new Set<string>();
  const globs: NameTest[] = [];
  for (const p of patterns) {
    if (p.includes('*')) globs.push(compileGlob(p));
    else exact.add(p.toLowerCase());
  }
  if (globs.length === 0) return (name) => exact.has(name.toLowerCase());
  return (name) => exact.has(name.toLowerCase()) || globs.some((g) => g(name));
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
