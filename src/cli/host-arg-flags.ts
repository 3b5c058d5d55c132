import type { Argv } from 'yargs';
import { HOST_ARG_FLAGS, parseHostArgs, type HostArgFlag, type ParsedHostArgs } from '../peers/host-args.js';
import { CliError } from './command.js';

/** The host connection flags as yargs hands them over: absent, given once, or repeated. */
export type HostArgFlags = { [F in HostArgFlag]?: string | string[] };

/**
 * The host connection flags (`--host ... --functions-uri ...`, peers/host-args.ts's one
 * list), declared hidden for every command a host may start (`worker`, `replay worker`),
 * so strict parsing accepts them wherever the host puts them.
 */
export function hostArgFlags<T>(y: Argv<T>): Argv<T & HostArgFlags> {
  let b: Argv<T> = y;
  for (const flag of HOST_ARG_FLAGS) b = b.option(flag, { type: 'string', hidden: true });
  // yargs infers one `.option()` call at a time; the loop's flags are typed from the same list.
  return b as Argv<T & HostArgFlags>;
}

/**
 * The host arguments as the host passed them, for peers/host-args.ts to read: each declared
 * flag that was given (the last value of a repeated one), then `rest` (the words yargs did
 * not take as flags, such as those after `--`).
 */
export function hostArgv(args: HostArgFlags, rest: ReadonlyArray<string | number>): string[] {
  const out: string[] = [];
  for (const flag of HOST_ARG_FLAGS) {
    const v = args[flag];
    if (v === undefined) continue;
    out.push(`--${flag}`, String(Array.isArray(v) ? v[v.length - 1] : v));
  }
  return [...out, ...rest.map(String)];
}

/** The host connection the flags and `rest` give; a missing or bad one is a CliError naming `command`. */
export function hostConnection(
  args: HostArgFlags,
  rest: ReadonlyArray<string | number>,
  command: string,
): ParsedHostArgs {
  const parsed = parseHostArgs(hostArgv(args, rest));
  if (!parsed.ok) throw new CliError(`${command}: ${parsed.error}`);
  return parsed.args;
}
