import type { RedactRules } from '../codec/redact.js';
import type { RedactInPlaceReport } from '../recording/redact-in-place.js';
import { CliError, defineCommand } from './command.js';

/**
 * The rules a capturing command stores with, from its `--redact on|off` and
 * `--redact-rules FILE` flags: `false` means store everything. A bad rules file is a
 * CliError (one line, exit 2). For `record`/`wrap` (which declare those flags).
 */
export async function redactRulesFromFlags(
  redact: 'on' | 'off' | boolean | undefined,
  rulesFile: string | undefined,
): Promise<RedactRules | false> {
  const off = redact === 'off' || redact === false;
  if (off && rulesFile !== undefined)
    throw new CliError('--redact off and --redact-rules exclude each other');
  if (off) return false;
  return rulesFile === undefined ? {} : loadRules(rulesFile);
}

/** The warning a capturing command prints when redaction is off. */
export const REDACT_OFF_WARNING =
  'warning: --redact off: secrets (environment variables, Authorization headers, cookies, keys in query strings, claims) are stored as they are; scrub later with `functape redact --db FILE`';

async function loadRules(file: string): Promise<RedactRules> {
  const { readRedactRulesFile, RedactRulesError } = await import('../codec/redact-rules.js');
  try {
    return readRedactRulesFile(file);
  } catch (err) {
    if (err instanceof RedactRulesError) throw new CliError(err.message);
    throw err;
  }
}

function mb(n: number): string {
  return n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

export const redactCommand = defineCommand({
  command: 'redact',
  describe:
    'Scrub secrets from an existing recording in place (same rules as capture-time redaction), then VACUUM so the old bytes leave the file',
  builder: (y) =>
    y
      .option('db', { type: 'string', demandOption: true, describe: 'the recording (SQLite file) to scrub' })
      .option('redact-rules', {
        type: 'string',
        describe:
          'JSON file of extra rules: headers, query, env, keepEnv, fieldPaths, hashKey (docs/SECURITY.md)',
      })
      .option('dry-run', {
        type: 'boolean',
        default: false,
        describe:
          'only count what would change (per message kind); the file is opened read-only; exit 1 when something would change or looks like a secret',
      })
      .option('scan', {
        type: 'boolean',
        default: true,
        describe:
          'also look for credential-looking text no rule covers (JWTs, bearer tokens, account keys, passwords in bodies or logs); --no-scan skips it',
      })
      .option('json', { type: 'boolean', default: false, describe: 'print the report as JSON' }),
  run: async (args, io) => {
    const rules = args['redact-rules'] === undefined ? {} : await loadRules(args['redact-rules']);
    const { redactInPlace } = await import('../recording/redact-in-place.js');
    // a RecordingError is a one-line exit 2 (cli/main)
    const report = redactInPlace(args.db, rules, { dryRun: args['dry-run'], scan: args.scan });
    if (args.json) io.stdout.write(`${JSON.stringify(report)}\n`);
    else io.stdout.write(formatRedactReport(report));
    if ((report.mode & 0o077) !== 0)
      (await import('./private-file.js')).warnIfShared(report.path, 'redact', io);
    if (!report.walCleared) {
      io.stderr.write(
        `functape redact: warning: another process has ${report.path} open, so its -wal file may still hold old bytes; run redact again once it is closed\n`,
      );
      return 1;
    }
    if (report.dryRun && (report.changed > 0 || report.hints.length > 0)) return 1;
    return 0;
  },
});

/** The text form of a redact report: one summary line, then the scan's hints if any. */
export function formatRedactReport(report: RedactInPlaceReport): string {
  const kinds = Object.entries(report.changedByKind)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  let out =
    `${report.path}: ${report.changed} of ${report.frames} frames ${report.dryRun ? 'would be redacted (dry run, nothing written)' : 'redacted now'}` +
    (kinds ? ` [${kinds}]` : '') +
    (report.alreadyRedacted > 0 ? `; ${report.alreadyRedacted} were already redacted` : '') +
    (report.undecodable > 0 ? `; ${report.undecodable} undecodable (kind unknown) left as they are` : '') +
    (report.dryRun ? '' : `; file ${mb(report.bytesBefore)} → ${mb(report.bytesAfter)} after VACUUM`) +
    '\n';
  if (report.hints.length > 0) {
    out += `possible secrets no rule covers (a heuristic: if they are real, add these field paths to a --redact-rules file):\n`;
    for (const h of report.hints) {
      out += `  ${h.path}  ${h.signature}  ${h.frames} frame${h.frames === 1 ? '' : 's'} (first: session ${h.example.session} seq ${h.example.seq})\n`;
    }
  }
  return out;
}
