import type { Argv, CommandModule } from 'yargs';
import { CliError, type AnyCommand, type CliIo } from './command.js';
import { joinDashValues } from './flag-values.js';
import { FUNCTAPE_VERSION } from '../version.js';

/**
 * Parse argv, run one command, and return its exit code. User mistakes print one line
 * (`functape: ...`) and give 2; an unexpected failure prints one line too (the stack only
 * with FUNCTAPE_DEBUG=1) and gives 4.
 */
export async function main(argv: string[], io: CliIo): Promise<number> {
  let code: number | undefined;
  // yargs and the commands are the bulk of the CLI's start-up: a worker `wrap` starts
  // early (wrap-early.ts) is started first.
  await io.wrapHead;
  const [{ default: yargs }, { commands }] = await Promise.all([import('yargs'), import('./commands.js')]);
  const words = joinDashValues(argv);
  const parser = yargs(words)
    .scriptName('functape')
    .version(FUNCTAPE_VERSION)
    .strict()
    .strictCommands()
    .demandCommand(1, 'a command is required (see functape --help)')
    .recommendCommands()
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .fail((msg, err) => {
      // A validation message (bad flag, missing option) is a usage error; an error thrown by
      // a command's run() passes through unchanged. Throwing here also keeps yargs from
      // running the handler after a failed validation.
      if (err) throw err;
      throw new CliError(oneLine(msg ?? 'invalid arguments'));
    })
    .exitProcess(false);
  const nameOf = (c: AnyCommand) => String([c.command].flat()[0]).split(' ')[0];
  const commandModule = (c: AnyCommand): CommandModule => ({
    command: c.command as string | string[],
    describe: c.describe,
    builder: (y: Argv) => {
      const subs = c.subcommands ?? [];
      // yargs options are global: the parent's (required) flags would bind its subcommand
      // too, so `bench merge ...` registers only the subcommands, not bench's own flags.
      const chosen = words[0] === nameOf(c) && subs.some((s) => nameOf(s) === words[1]);
      return subs.reduce((b, s) => b.command(commandModule(s)), chosen ? y : c.builder(y));
    },
    handler: async (args) => {
      code = await c.run(args, io);
    },
  });
  for (const c of commands) parser.command(commandModule(c));
  try {
    await parser.parseAsync();
  } catch (err) {
    if (err instanceof CliError) {
      io.stderr.write(`functape: ${oneLine(err.message)}\n`);
      return err.exitCode;
    }
    // A recording that cannot be used (missing, foreign, newer schema, corrupt) is bad input
    // wherever a command meets it; matched by name so --help never loads the SQLite module.
    if (err instanceof Error && (err.name === 'YError' || err.name === 'RecordingError')) {
      io.stderr.write(`functape: ${err.message}\n`);
      return 2;
    }
    const message = err instanceof Error ? err.message : String(err);
    io.stderr.write(`functape: internal error: ${oneLine(message)}\n`);
    if (process.env.FUNCTAPE_DEBUG && err instanceof Error) io.stderr.write(`${err.stack}\n`);
    return INTERNAL_ERROR;
  }
  return code ?? 0;
}

/** The process entry used by bin/functape: wires signals and sets process.exitCode. */
const INTERNAL_ERROR = 4;

/** Errors are one line: yargs words some (choices, conflicts) over several. */
function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ').trim();
}

function exitWhenFlushed(code: number): void {
  process.stderr.write('', () => process.stdout.write('', () => process.exit(code)));
}

/** How long a stop may go on after the second signal before the process quits anyway. */
export const STUCK_STOP_MS = 30_000;

/**
 * What the n-th SIGINT/SIGTERM does: the first stops the command cleanly (a recorder
 * flushes and ends its sessions); the second only says that the stop is still going on
 * (`timeout` and a terminal's Ctrl-C signal the process and its group: one stop is often
 * two signals) and starts the STUCK_STOP_MS deadline; the third quits at once (130).
 */
export function signalAction(n: number): 'stop' | 'remind' | 'quit' {
  return n <= 1 ? 'stop' : n === 2 ? 'remind' : 'quit';
}

/** Quit now: SQLite's WAL keeps the file consistent (sessions not yet ended stay without an end). */
function quit(): never {
  process.exit(130);
}

export function runCli(): void {
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    const action = signalAction(++signals);
    if (action === 'quit') quit();
    if (action === 'remind') {
      process.stderr.write(
        `functape: still stopping (writing what was recorded); a third signal quits at once, leaving sessions without an end\n`,
      );
      setTimeout(() => {
        process.stderr.write(
          `functape: the stop did not finish within ${STUCK_STOP_MS / 1000} s of the second signal: quitting\n`,
          quit,
        );
      }, STUCK_STOP_MS).unref();
      return;
    }
    controller.abort(sig);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Node's own arguments are not in argv[2..] (what yargs' hideBin gives for node).
  const argv = process.argv.slice(2);
  const wrapHead =
    argv[0] === 'wrap'
      ? import('./wrap-early.js').then((m) => m.startWrapEarly(argv)).catch(() => undefined)
      : undefined;
  main(argv, {
    stdout: process.stdout,
    stderr: process.stderr,
    signal: controller.signal,
    ...(wrapHead ? { wrapHead } : {}),
  }).then(
    async (exitCode) => {
      await (await wrapHead)?.abandon(); // a worker started for flags that were then refused
      process.exitCode = exitCode;
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      // After an internal error a command may have left servers or children open; a
      // process that says it failed must not linger (a host waiting on it would hang).
      if (exitCode === INTERNAL_ERROR) exitWhenFlushed(exitCode);
    },
    (err: unknown) => {
      process.stderr.write(`functape: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
      exitWhenFlushed(INTERNAL_ERROR);
    },
  );
}
