import type { Argv } from 'yargs';
import type { RedactRules } from '../codec/redact.js';
import { CliError, type FlagsOf } from './command.js';

/**
 * `--redact on|off` and `--redact-rules FILE`, declared here once for every command that
 * stores or shows messages it did not write itself (record, wrap, replay, bench): the
 * same rules decide what `record` stores as a marker and what replay and bench compare
 * and print as one (docs/SECURITY.md). The flags' types are what yargs infers here.
 */
export function redactFlags<T>(y: Argv<T>) {
  return y
    .option('redact', {
      type: 'string',
      default: 'on',
      describe:
        'on|off: replace secrets with markers before they are stored, compared or printed (off: every byte as seen)',
    })
    .option('redact-rules', {
      type: 'string',
      describe:
        'a JSON file of extra redaction rules (see docs/SECURITY.md); a replay or bench takes the file its recording was made with',
    });
}

// biome-ignore lint/complexity/noBannedTypes: {} is yargs' own type for an Argv with no flags yet
export type RedactFlags = FlagsOf<ReturnType<typeof redactFlags<{}>>>;

/**
 * The rules the flags ask for: `false` means none. A bad value or rules file is a
 * CliError (one line, exit 2).
 */
export async function resolveRedactFlags(args: RedactFlags): Promise<RedactRules | false> {
  const redact = args.redact;
  if (redact !== 'on' && redact !== 'off')
    throw new CliError(`--redact ${JSON.stringify(redact)}: use on or off`);
  const { redactRulesFromFlags } = await import('./redact.js');
  return redactRulesFromFlags(redact, args['redact-rules']);
}
