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
 * One CLI command. Each flag is declared once, in `builder`. `run` returns the exit
 * code (0 ok; 1 a finding such as differences; 2 usage or input error; 3 a peer broke)
 * and never calls process.exit. Heavy modules are imported inside `run` so `--help`
 * stays fast.
 */
export interface FunctapeCommand<A = any> {
  command: string | readonly string[];
  describe: string;
  builder: (yargs: Argv) => Argv<A>;
  run: (args: A, io: CliIo) => Promise<number>;
}

/** A user mistake or bad input: printed as one line, exit code 2 unless told otherwise. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 2) {
    super(message);
    this.name = 'CliError';
  }
}

export function defineCommand<A>(command: FunctapeCommand<A>): FunctapeCommand<A> {
  return command;
}
