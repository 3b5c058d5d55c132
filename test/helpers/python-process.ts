// Child processes for the end-to-end tests: started in their own process group, output
// collected, a hard timeout so no test hangs, and a kill that cannot hit anyone else's process.
import { spawn, type ChildProcess } from 'node:child_process';

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** A started process: its output so far, its end, and a kill that is safe to call twice. */
export interface RunningProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout line matching `re` (rejects if the process ends first). */
  line(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  done: Promise<ProcessResult>;
  kill(signal?: NodeJS.Signals): void;
}

/**
 * Starts argv in its own process group; SIGKILLs the group (and reports timedOut) after
 * timeoutMs so no test hangs on a stuck peer. The caller must await `done` (or kill) before
 * the test ends. `kill()` (SIGKILL) takes the whole group; other signals go to the leader.
 */
export function startProcess(
  argv: readonly string[],
  opts: { timeoutMs: number; cwd?: string; env?: NodeJS.ProcessEnv },
): RunningProcess {
  const env = { PYTHONDONTWRITEBYTECODE: '1', ...(opts.env ?? process.env) };
  // Its own process group, so a SIGKILL also reaches what it started (a host's worker, wrap's worker).
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: opts.cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const killGroup = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  };
  let out = '';
  let err = '';
  let timedOut = false;
  const lineWaiters: Array<() => void> = [];
  child.stdout!.setEncoding('utf8').on('data', (s: string) => {
    out += s;
    for (const w of lineWaiters.slice()) w();
  });
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (err += s));
  const timer = setTimeout(() => {
    timedOut = true;
    if (child.exitCode === null && child.signalCode === null) killGroup();
  }, opts.timeoutMs);
  const done = new Promise<ProcessResult>((resolveDone) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      for (const w of lineWaiters.slice()) w();
      resolveDone({ code, signal, stdout: out, stderr: err, timedOut });
    });
    child.on('error', (e) => {
      err += `spawn error: ${e.message}\n`;
    });
  });
  let ended = false;
  void done.then(() => (ended = true));
  const line = (re: RegExp, timeoutMs = 30_000) =>
    new Promise<RegExpMatchArray>((res, rej) => {
      const t = setTimeout(
        () =>
          finish(new Error(`no line matching ${re} within ${timeoutMs} ms; stdout: ${out}; stderr: ${err}`)),
        timeoutMs,
      );
      const check = () => {
        const m = out
          .split('\n')
          .map((l) => l.match(re))
          .find((x) => x);
        if (m) finish(undefined, m);
        else if (ended)
          finish(new Error(`${argv.join(' ')} ended before printing ${re}; stdout: ${out}; stderr: ${err}`));
      };
      const finish = (e?: Error, m?: RegExpMatchArray) => {
        clearTimeout(t);
        const i = lineWaiters.indexOf(check);
        if (i >= 0) lineWaiters.splice(i, 1);
        if (e) rej(e);
        else res(m!);
      };
      lineWaiters.push(check);
      void done.then(check);
      check();
    });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    line,
    done,
    kill: (signal = 'SIGKILL') => {
      // Only while the leader lives: after that its group id could belong to someone else.
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (signal === 'SIGKILL') killGroup();
      else child.kill(signal);
    },
  };
}

export async function runProcess(
  argv: readonly string[],
  opts: { timeoutMs: number; cwd?: string; env?: NodeJS.ProcessEnv },
): Promise<ProcessResult> {
  return startProcess(argv, opts).done;
}

/** SIGTERM, then SIGKILL after graceMs; resolves with the result. */
export async function stopProcess(proc: RunningProcess, graceMs = 20_000): Promise<ProcessResult> {
  proc.kill('SIGTERM');
  const t = setTimeout(() => proc.kill('SIGKILL'), graceMs);
  const r = await proc.done;
  clearTimeout(t);
  return r;
}
