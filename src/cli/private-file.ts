import { statSync, writeFileSync } from 'node:fs';
import { CliError, type CliIo } from './command.js';

/**
 * One rule for every file functape writes that holds what crossed the wire (recordings,
 * replay and bench reports): a file it creates gets mode 0600; an existing file is
 * written to as it is (its mode is its owner's choice), with one warning line when other
 * users can read it. `redact`, `record`, `wrap`, `import`, `replay` and `bench` all
 * follow it (docs/SECURITY.md).
 */
export function warnIfShared(path: string, command: string, io: Pick<CliIo, 'stderr'>): void {
  const mode = statSync(path, { throwIfNoEntry: false })?.mode;
  if (mode === undefined || (mode & 0o077) === 0) return;
  const bits = (mode & 0o777).toString(8).padStart(4, '0');
  io.stderr.write(
    `functape ${command}: warning: ${path} can be read by other users (mode ${bits}); \`chmod 600 ${path}\` keeps it to you\n`,
  );
}

/** Write a report file under the rule above; a failure is a one-line CliError. */
export function writePrivateFile(
  path: string,
  text: string,
  command: string,
  io: Pick<CliIo, 'stderr'>,
): void {
  warnIfShared(path, command, io);
  try {
    writeFileSync(path, text, { mode: 0o600 });
  } catch (err) {
    throw new CliError(`cannot write ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
