import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import { CliError } from './command.js';

/**
 * Check, before a run starts, that a file named by an output flag can be written where it
 * is named: its directory exists and it is not itself a directory. A typo should cost one
 * line and exit 2 up front, not a whole replay or bench whose results are then lost.
 * `-` (stdout) and an absent flag pass. Permission problems still surface when writing.
 */
export function checkOutputPath(flag: string, path: string | undefined): void {
  if (path === undefined || path === '-') return;
  if (path === '') throw new CliError(`${flag} needs a file name`);
  const dir = dirname(path);
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory())
    throw new CliError(`${flag} ${path}: no such directory ${dir}`);
  if (statSync(path, { throwIfNoEntry: false })?.isDirectory())
    throw new CliError(`${flag} ${path} is a directory`);
}
