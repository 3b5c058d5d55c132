/**
 * Durations as people type them on a command line: `30s`, `500ms`, `2m`, `1h`, `1.5s`,
 * `1m30s`, or a bare number of seconds. Returns milliseconds; throws a message fit for
 * the user on anything else (negative, empty, unknown unit).
 */
export function parseDuration(text: string): number {
  const s = text.trim();
  if (s === '') throw new Error('empty duration');
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  const unitMs: Record<string, number> = { us: 0.001, µs: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let rest = s;
  while (rest.length > 0) {
    const m = /^(\d+(?:\.\d+)?)(us|µs|ms|s|m|h)/.exec(rest);
    if (!m) throw new Error(`bad duration "${text}" (use e.g. 500ms, 30s, 2m, 1m30s)`);
    total += Number(m[1]) * unitMs[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return total;
}

/** A short human rendering of milliseconds: `850ms`, `12.5s`, `2m05s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
  const m = Math.floor(ms / 60_000);
  const sec = Math.round((ms - m * 60_000) / 1000);
  return `${m}m${String(sec).padStart(2, '0')}s`;
}
