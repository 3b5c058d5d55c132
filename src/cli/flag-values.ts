import { parseDuration } from '../load/duration.js';
import { CliError } from './command.js';

/**
 * The one reader of numeric and duration flag values, for every command. Flags declare
 * `type: 'string'` so the text the user typed reaches here (yargs turns `abc` into NaN).
 * Every refusal is a CliError (exit 2) of one line that names the flag, says what it
 * accepts and quotes what it got.
 */

/** The forms every duration flag accepts, named in each message about one. */
export const DURATION_FORMS = '500ms, 30s, 2m, 1m30s, or plain seconds';

export interface DurationRule {
  /** What 0 means: refused (the default), or accepted as "no limit" / "none". */
  zero?: 'refused' | 'allowed';
}

/** A duration flag's value in ms: `30s`, `500ms`, `1m30s`, or plain seconds (`30`). */
export function durationFlag(flag: string, value: unknown, rule: DurationRule = {}): number {
  const text = single(flag, value);
  let ms: number;
  try {
    if (text.trim().startsWith('-')) throw new Error('negative');
    ms = parseDuration(text);
  } catch {
    throw new CliError(
      `--${flag} takes a duration ${rule.zero === 'allowed' ? '≥' : '>'} 0 (${DURATION_FORMS}; got ${JSON.stringify(text)})`,
    );
  }
  if (ms === 0 && rule.zero !== 'allowed')
    throw new CliError(`--${flag} takes a duration > 0 (${DURATION_FORMS}; got ${JSON.stringify(text)})`);
  return ms;
}

/** The longest timer Node keeps (about 24.8 days): what "no limit" waits for. */
export const NO_LIMIT_MS = 2 ** 31 - 1;

/** A time limit as a timer takes it: 0 (a flag's "no limit") and anything longer become NO_LIMIT_MS. */
export function timerMs(limitMs: number): number {
  return limitMs > 0 ? Math.min(limitMs, NO_LIMIT_MS) : NO_LIMIT_MS;
}

/** The optional form: undefined when the flag was not given. */
export function optionalDurationFlag(
  flag: string,
  value: unknown,
  rule: DurationRule = {},
): number | undefined {
  return value === undefined ? undefined : durationFlag(flag, value, rule);
}

export interface NumberRule {
  /** Whole numbers only (counts, ids). */
  integer?: boolean;
  min: number;
  max?: number;
  /** Says what the number is, in the message (default: "a whole number" / "a number"). */
  what?: string;
}

/** A number flag's value: decimal, finite, at least `rule.min`, whole when asked. */
export function numberFlag(flag: string, value: unknown, rule: NumberRule): number {
  const text = single(flag, value).trim();
  const n = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(text) ? Number(text) : NaN;
  const tooBig = rule.max !== undefined && n > rule.max;
  if (!Number.isFinite(n) || n < rule.min || tooBig || (rule.integer && !Number.isSafeInteger(n))) {
    const what = rule.what ?? (rule.integer ? 'a whole number' : 'a number');
    const range = rule.max !== undefined ? `from ${rule.min} to ${rule.max}` : `≥ ${rule.min}`;
    throw new CliError(`--${flag} takes ${what} ${range} (got ${JSON.stringify(text)})`);
  }
  return n;
}

/** The optional form: undefined when the flag was not given. */
export function optionalNumberFlag(flag: string, value: unknown, rule: NumberRule): number | undefined {
  return value === undefined ? undefined : numberFlag(flag, value, rule);
}

/** `--session ID`: a session id as `functape sessions` lists them. */
export function sessionFlag(value: unknown): number | undefined {
  return optionalNumberFlag('session', value, {
    integer: true,
    min: 1,
    what: 'a session id (see functape sessions), a whole number',
  });
}

/** The text of a flag given once (a number from a caller in code is taken as typed). */
function single(flag: string, value: unknown): string {
  if (Array.isArray(value))
    throw new CliError(`give --${flag} once (got ${value.map((v) => JSON.stringify(String(v))).join(', ')})`);
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') throw new CliError(`--${flag} needs a value`);
  return value;
}

/**
 * Join `--flag -1s` into `--flag=-1s` and `--flag -` into `--flag=-` so that the value
 * reaches the flag: yargs reads `-1s` as the short flags 1 and s (and `-5` alone as a
 * number already), and a lone `-` (stdin or stdout: `import --in -`, `bench --json -`) as
 * a word of its own, which the command then refuses as an unknown command.
 * Nothing after `--` is touched: that is a command line of its own.
 */
export function joinDashValues(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const next = argv[i + 1];
    if (/^--?[a-z][\w-]*$/i.test(a) && next !== undefined && (/^-\d/.test(next) || next === '-')) {
      out.push(`${a}=${next}`);
      i += 1;
    } else out.push(a);
  }
  return out;
}
