import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { buildHostArgs } from '../peers/host-args.js';
import { shellSplit } from '../peers/shell-split.js';

/** A worker process bench started, as a host starts one. */
export interface WorkerProcess {
  readonly index: number;
  readonly workerId: string;
  readonly requestId: string;
  readonly pid: number | null;
  /** Resolves with the exit code (or the signal name) when the process exits. */
  readonly exited: Promise<number | string>;
  /** The last few KB of the worker's stderr. */
  stderrTail(): string;
  /** CPU time (user + system, µs) the process used so far; null when unknown (not Linux, gone). */
  cpuUs(): number | null;
  /** End the worker: SIGTERM to its process group, SIGKILL after `graceMs`. Resolves when it exited. */
  stop(graceMs?: number): Promise<void>;
}

const STDERR_TAIL = 4096;

/**
 * Start `command` (a command line, split into words like a shell does, no expansion) with
 * the host connection arguments appended (fresh worker and request ids, both argument
 * forms), in its own process group so that stopping it also stops what it started (a
 * `wrap` shim and its worker). Throws on a command line that does not split.
 */
export function startWorkerProcess(
  index: number,
  command: string,
  address: { host: string; port: number },
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): WorkerProcess {
  const workerId = randomUUID();
  const requestId = randomUUID();
  const args = buildHostArgs({ host: address.host, port: address.port, workerId, requestId });
  const argv = shellSplit(command);
  if (argv.length === 0) throw new Error('the worker command is empty');
  const child: ChildProcess = spawn(argv[0]!, [...argv.slice(1), ...args], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: options.env ?? process.env,
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
  });
  let tail = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-STDERR_TAIL);
  });
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    child.on('error', (err) => {
      tail += `\n${err.message}`;
      resolve('spawn-error');
    });
  });
  let exitedYet = false;
  void exited.then(() => (exitedYet = true));
  const signalGroup = (sig: NodeJS.Signals) => {
    if (exitedYet || child.pid === undefined) return;
    try {
      process.kill(-child.pid, sig);
    } catch {
      // already gone
    }
  };
  return {
    index,
    workerId,
    requestId,
    pid: child.pid ?? null,
    exited,
    stderrTail: () => tail.trim(),
    cpuUs: () => (child.pid === undefined ? null : processCpuUs(child.pid)),
    async stop(graceMs = 2000) {
      if (exitedYet) return;
      signalGroup('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const killed = new Promise<void>((r) => {
        timer = setTimeout(() => {
          signalGroup('SIGKILL');
          r();
        }, graceMs);
      });
      await Promise.race([exited, killed]);
      if (timer) clearTimeout(timer);
      await exited;
    },
  };
}

/** Linux reports process times in USER_HZ ticks, 100 a second on every architecture. */
const USER_HZ = 100;

/** utime + stime of a process from /proc/PID/stat, in µs; null when unreadable. */
export function processCpuUs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name (field 2) is in parentheses and may hold spaces: count from after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    if (!Number.isFinite(utime) || !Number.isFinite(stime)) return null;
    return ((utime + stime) * 1_000_000) / USER_HZ;
  } catch {
    return null;
  }
}
