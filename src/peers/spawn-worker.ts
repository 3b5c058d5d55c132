import { spawn } from 'node:child_process';
import { meaningfulLines } from './meaningful-lines.js';

export interface WorkerExit {
  code: number | null;
  signal: string | null;
  /** Set when the process could not be started at all (e.g. ENOENT). */
  error?: string;
}

export interface SpawnedWorker {
  readonly pid: number | undefined;
  /** Settles once, when the process is gone (or could not start). */
  readonly exited: Promise<WorkerExit>;
  /** The meaningful last lines the worker wrote to stdout/stderr, for error reports (see `meaningfulLines`). */
  tail(): string[];
  kill(signal?: NodeJS.Signals): void;
}

export interface SpawnOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Called with every output line (for --verbose); lines are kept for `tail()` anyway. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  tailLines?: number;
}

/**
 * Start a worker process as a Functions host does: `argv` (the worker command) with the
 * host arguments appended, stdin closed, output captured line by line.
 */
export function spawnWorker(
  argv: readonly string[],
  hostArgs: readonly string[],
  opts: SpawnOptions = {},
): SpawnedWorker {
  if (argv.length === 0) throw new Error('empty worker command');
  const keep = opts.tailLines ?? 20;
  const lines: string[] = [];
  const child = spawn(argv[0]!, [...argv.slice(1), ...hostArgs], {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const onData = (stream: 'stdout' | 'stderr') => {
    let partial = '';
    return (chunk: Buffer) => {
      const parts = (partial + chunk.toString('utf8')).split('\n');
      partial = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        if (lines.length > keep) lines.shift();
        opts.onLine?.(line, stream);
      }
    };
  };
  child.stdout!.on('data', onData('stdout'));
  child.stderr!.on('data', onData('stderr'));
  const exited = new Promise<WorkerExit>((resolve) => {
    child.once('error', (err) => resolve({ code: null, signal: null, error: err.message }));
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  return {
    pid: child.pid,
    exited,
    tail: () => meaningfulLines(lines, keep),
    kill: (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}
