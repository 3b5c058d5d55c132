import type { ChildProcess } from 'node:child_process';
import type { EarlyListener } from '../wire/early-listener.js';

/** How the worker's process ended (its exit code, or 128 + the signal's number), or why it could not start. */
export type WorkerOutcome = { code: number } | { error: Error };

/** A worker process and, once it is over, how it ended. */
export interface StartedWorker {
  child: ChildProcess;
  outcome: Promise<WorkerOutcome>;
}

/**
 * Start the worker with our cwd, environment and stdio (only the host address in its
 * arguments differs from what the host gave). `outcome` is watched from the start, so
 * a command that cannot be run is never an unhandled 'error' event.
 */
export async function startWorkerProcess(argv: readonly string[]): Promise<StartedWorker> {
  const [{ spawn }, { constants }] = await Promise.all([import('node:child_process'), import('node:os')]);
  const child = spawn(argv[0]!, argv.slice(1), { stdio: 'inherit' });
  const outcome = new Promise<WorkerOutcome>((resolve) => {
    child.once('error', (error) => resolve({ error }));
    child.once('exit', (code, signal) =>
      resolve({ code: code ?? 128 + (constants.signals[signal ?? 'SIGTERM'] ?? 0) }),
    );
  });
  return { child, outcome };
}

/** A worker `wrap` started before its own flags were parsed, and the listener the worker was pointed at. */
export interface WrapHead {
  /** The head, for the `wrap` run whose worker command is `argv`; once (undefined after, or for another command). */
  take(argv: readonly string[]): (StartedWorker & { listener: EarlyListener }) | undefined;
  /** Not taken (the flags were refused, --help ...): stop the worker and the listener. */
  abandon(): Promise<void>;
}

/** Flags that take a value but need no reading or checking before the worker may start. */
const PLAIN_WITH_VALUE = new Set(['--db', '--label']);
const PLAIN_ALONE = new Set(['--quiet', '--no-quiet']);

/**
 * Whether wrap's own flags can only be refused for reasons that leave the worker untouched
 * either way: --db and --label with a value, --quiet. Any other flag (a size cap, redaction
 * rules to read, a choice, --help, a typo) takes the usual path, so that a mistake in it is
 * one line before any worker runs (a worker started early would print its own output).
 */
export function plainWrapFlags(flags: readonly string[]): boolean {
  for (let i = 0; i < flags.length; i++) {
    const f = flags[i]!;
    const name = f.includes('=') ? f.slice(0, f.indexOf('=')) : f;
    if (PLAIN_ALONE.has(f)) continue;
    if (!PLAIN_WITH_VALUE.has(name)) return false;
    if (name === f && (++i >= flags.length || flags[i]!.startsWith('-'))) return false;
  }
  return true;
}

/**
 * `functape wrap [flags] -- WORKER... <host args>`: listen and start the worker before the
 * CLI has loaded and parsed wrap's own flags, since a host waits for its worker at every
 * cold start. Only the words after `--` are read here (the worker command and the host
 * arguments, which wrap's flags never change). Undefined when there is nothing to start
 * this way (no `--`, no usable host arguments, wrap flags other than `plainWrapFlags`):
 * `wrap` then starts as usual and reports what is wrong. A worker started here whose wrap flags are
 * then refused is stopped (`abandon`).
 */
export async function startWrapEarly(args: readonly string[]): Promise<WrapHead | undefined> {
  const dash = args.indexOf('--');
  if (args[0] !== 'wrap' || dash < 0 || dash === args.length - 1) return undefined;
  if (!plainWrapFlags(args.slice(1, dash))) return undefined;
  const argv = args.slice(dash + 1);
  const [{ parseHostArgs, rewriteHostAddress }, { listenEarly }] = await Promise.all([
    import('../peers/host-args.js'),
    import('../wire/early-listener.js'),
  ]);
  if (!parseHostArgs(argv).ok) return undefined;
  const listener = await listenEarly('127.0.0.1');
  const worker = await startWorkerProcess(
    rewriteHostAddress(argv, { host: '127.0.0.1', port: listener.address.port }),
  );
  let taken = false;
  return {
    take(given) {
      if (taken || given.length !== argv.length || given.some((a, i) => a !== argv[i])) return undefined;
      taken = true;
      return { ...worker, listener };
    },
    async abandon() {
      if (taken) return;
      taken = true;
      if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGTERM');
      await Promise.all([worker.outcome, listener.close()]);
    },
  };
}
