import { parseDuration } from '../load/duration.js';
import { CliError } from './command.js';

/**
 * A point in time for `--since`/`--until`: an ISO date or date-time (`2026-12-01`,
 * `2026-12-01T18:00Z`), or an age (`30m`, `12h`, `7d`: that long before `nowMs`).
 * Undefined when the flag is not given.
 */
export function timeFlag(flag: string, value: unknown, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw new CliError(`--${flag} needs a value`);
  const days = /^(\d+(?:\.\d+)?)d$/.exec(value.trim());
  if (days) return nowMs - Number(days[1]) * 86_400_000;
  if (/^\d+(\.\d+)?(us|ms|s|m|h)/.test(value.trim())) {
    try {
      return nowMs - parseDuration(value.trim());
    } catch {
      // not a duration after all: try it as a date below
    }
  }
  const at = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(at))
    throw new CliError(
      `--${flag} takes a date (2026-12-01, 2026-12-01T18:00Z) or an age (30m, 12h, 7d); got ${JSON.stringify(value)}`,
    );
  return at;
}
