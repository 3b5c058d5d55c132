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
    child.once('exit', (code, signal) => resolve({ code: code ?? 128 + (constants.signals[signal ?? 'SIGTERM'] ?? 0) }));
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

/**
 * `functape wrap [flags] -- WORKER... <host args>`: listen and start the worker before the
 * CLI has loaded and parsed wrap's own flags, since a host waits for its worker at every
 * cold start. Only the words after `--` are read here (the worker command and the host
 * arguments, which wrap's flags never change). Undefined when there is nothing to start
 * this way (no `--`, no usable host arguments, --help or --version asked): `wrap` then
 * starts as usual and reports what is wrong. A worker started here whose wrap flags are
 * then refused is stopped (`abandon`).
 */
export async function startWrapEarly(args: readonly string[]): Promise<WrapHead | undefined> {
  const dash = args.indexOf('--');
  if (args[0] !== 'wrap' || dash < 0 || dash === args.length - 1) return undefined;
  if (args.slice(1, dash).some((a) => a === '--help' || a === '-h' || a === '--version')) return undefined;
  const argv = args.slice(dash + 1);
  const [{ parseHostArgs, rewriteHostAddress }, { listenEarly }] = await Promise.all([import('../peers/host-args.js'), import('../wire/early-listener.js')]);
  if (!parseHostArgs(argv).ok) return undefined;
  const listener = await listenEarly('127.0.0.1');
  const worker = await startWorkerProcess(rewriteHostAddress(argv, { host: '127.0.0.1', port: listener.address.port }));
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
