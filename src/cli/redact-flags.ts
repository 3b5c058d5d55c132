import type { Argv } from 'yargs';
import type { RedactRules } from '../codec/redact.js';
import { CliError } from './command.js';

/**
 * `--redact on|off` and `--redact-rules FILE`, declared here once for every command that
 * stores or shows messages it did not write itself (record, wrap, replay, bench): the
 * same rules decide what `record` stores as a marker and what replay and bench compare
 * and print as one (docs/SECURITY.md).
 */
export interface RedactFlags {
  redact: 'on' | 'off';
  'redact-rules'?: string;
}

export function redactFlags<T>(y: Argv<T>): Argv<T & RedactFlags> {
  return y
    .option('redact', {
      type: 'string', default: 'on',
      describe: 'on|off: replace secrets with markers before they are stored, compared or printed (off: every byte as seen)',
    })
    .option('redact-rules', {
      type: 'string',
      describe: 'a JSON file of extra redaction rules (see docs/SECURITY.md); a replay or bench takes the file its recording was made with',
    }) as Argv<T & RedactFlags>;
}

/**
 * The rules the flags ask for: `false` means none. A bad value or rules file is a
 * CliError (one line, exit 2).
 */
export async function resolveRedactFlags(args: RedactFlags): Promise<RedactRules | false> {
  if (args.redact !== 'on' && args.redact !== 'off') throw new CliError(`--redact ${JSON.stringify(args.redact)}: use on or off`);
  const { redactRulesFromFlags } = await import('./redact.js');
  return redactRulesFromFlags(args.redact, args['redact-rules']);
}
