import type { Argv } from 'yargs';
import type { WrapHead } from './wrap-early.js';

/** Where a command writes; injected so tests can capture output. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** Aborted on SIGINT/SIGTERM; long-running commands stop cleanly when it fires. */
  signal: AbortSignal;
  /** `wrap`: its worker, when the CLI's entry started it before parsing flags (wrap-early.ts). */
  wrapHead?: Promise<WrapHead | undefined>;
}

/**
 * What `run` receives: the flags the builder declares, with the types yargs infers from
 * their declarations, plus the words that were no flag (`_`, the command's own name
 * first) and, for a command that sets `populate--`, the words after `--`. No index
 * signature: reading a flag the builder does not declare is a compile error.
 */
export type CommandArgs<A> = A & { _: Array<string | number>; '--'?: Array<string | number> };

/** The flags a shared flag group (`redactFlags`, `allowRemoteFlag`, ...) adds, as yargs infers them. */
export type FlagsOf<B> = B extends Argv<infer A> ? A : never;

/** `run`'s arguments for a builder declared as a named function (for helpers that take them). */
export type ArgsOf<Builder extends (yargs: Argv) => Argv<unknown>> = CommandArgs<
  FlagsOf<ReturnType<Builder>>
>;

/**
 * One CLI command. Each flag is declared once, in `builder`; `run`'s argument type is
 * inferred from it (`defineCommand` takes no type argument), so renaming a flag there is
 * a compile error wherever the old name is read. Number and duration flags are declared
 * `type: 'string'` so cli/flag-values.ts reads what was typed (one parser, one-line errors).
 * `run` returns the exit code (0 ok; 1 a
 * finding such as differences; 2 usage or input error; 3 a peer broke) and never calls
 * process.exit. Heavy modules are imported inside `run` so `--help` stays fast.
 */
export interface FunctapeCommand<A> {
  command: string | readonly string[];
  describe: string;
  builder: (yargs: Argv) => Argv<A>;
  /** Commands under this one (`bench merge`): their own flags, not the parent's. */
  // biome-ignore lint/suspicious/noExplicitAny: subcommands of any flags, as the command list holds them
  subcommands?: FunctapeCommand<any>[];
  run: (args: CommandArgs<A>, io: CliIo) => Promise<number>;
}

/**
 * A command of any flags, as the command list and `main` hold them: yargs hands `main`
 * untyped arguments, and each command's own `run` is checked against its builder.
 */
// biome-ignore lint/suspicious/noExplicitAny: the command list holds commands of every argument type; each run is typed where it is defined
export type AnyCommand = FunctapeCommand<any>;

/** A user mistake or bad input: printed as one line, exit code 2 unless told otherwise. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/**
 * A thrown parse error from a pure reader (pace, ignore paths, a command line, a
 * percentage) as a CliError: one line, exit 2, prefixed by `flag` unless the message
 * already names it.
 */
export function usageError<T>(fn: () => T, flag?: string): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof CliError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    throw new CliError(flag === undefined || message.startsWith(flag) ? message : `${flag}: ${message}`);
  }
}

/** Declare a command; `A` is inferred from `builder` (never give it by hand). */
export function defineCommand<A>(command: FunctapeCommand<A>): FunctapeCommand<A> {
  return command;
}
