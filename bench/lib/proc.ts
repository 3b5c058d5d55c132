import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, existsSync, rmSync, openSync, closeSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join, resolve } from 'node:path';

/** The repository root (dist/bench/lib/ → ../../..). */
export const REPO = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
export const FUNCTAPE_BIN = join(REPO, 'bin', 'functape');
const EXIT_REPORT = pathToFileURL(fileURLToPath(new URL('./exit-report.js', import.meta.url))).href;

/** What a measured child reported about itself on exit (see exit-report.ts). */
export interface ExitReport {
  maxRssMB: number;
  userMs: number;
  systemMs: number;
  aliveMs: number;
}

export interface Child {
  proc: ChildProcess;
  pid: number;
  /** Everything written to stdout / stderr so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout line matching `re` (its match), rejects on exit or timeout. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Send `signal` (default SIGTERM), wait for exit; SIGKILL after `graceMs`. */
  stop(
    signal?: NodeJS.Signals,
    graceMs?: number,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The exit report, once exited (undefined when not measured or not written). */
  exitReport(): ExitReport | undefined;
}

/**
 * Run `functape ARGS` as a child process with the same Node. With `measure`, the child is
 * preloaded with the exit reporter (peak RSS and CPU time).
 */
export interface SpawnOptions {
  /** Exit-report file: preload the reporter (peak RSS, CPU) into the child. */
  measure?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Send the child's stdout to this file instead of a pipe (large outputs). */
  stdoutFile?: string;
}

export function spawnFunctape(args: string[], opts: SpawnOptions = {}): Child {
  const { env, nodeArgs } = launcherCommand(readFileSync(FUNCTAPE_BIN, 'utf8'));
  const preload = opts.measure ? ['--import', EXIT_REPORT] : [];
  return spawnNode([...preload, ...profileArgs(process.env), ...nodeArgs, FUNCTAPE_BIN, ...args], {
    ...opts,
    env: { ...env, ...opts.env },
  });
}

/**
 * With FUNCTAPE_BENCH_PROFILE_DIR set, every functape process a benchmark starts writes a
 * CPU profile per thread there (`node --cpu-prof`, which NODE_OPTIONS does not accept):
 * the way to see which function dominates a benchmark that misses its target.
 */
export function profileArgs(env: NodeJS.ProcessEnv): string[] {
  const dir = env.FUNCTAPE_BENCH_PROFILE_DIR;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

/**
 * What the launcher's first line (`#!/usr/bin/env -S [NAME=VALUE]... node [FLAG]...`, as
 * the OS runs bin/functape) adds to a plain `node bin/functape`: its environment
 * assignments, with `${NAME}` expanded from `env` as `env -S` does (unset: empty), and
 * Node's flags. The benchmarks start functape with the same Node as themselves plus these,
 * so they measure what a user who types `functape` runs (and the exit reporter can still be
 * preloaded). A plain `#!/usr/bin/env node` adds nothing.
 */
export function launcherCommand(
  source: string,
  env: NodeJS.ProcessEnv = process.env,
): { env: Record<string, string>; nodeArgs: string[] } {
  const first = source.split('\n', 1)[0]!;
  const m = /^#!\s*\S*\benv\s+-S\s+(.*)$/.exec(first.trim());
  const words = m ? m[1]!.trim().split(/\s+/) : [];
  const added: Record<string, string> = {};
  let i = 0;
  for (; i < words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i]!); i += 1) {
    const w = words[i]!;
    const value = w
      .slice(w.indexOf('=') + 1)
      .replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, n: string) => env[n] ?? '');
    added[w.slice(0, w.indexOf('='))] = value;
  }
  if (i < words.length && !/(^|\/)node$/.test(words[i]!))
    throw new Error(`bin/functape's first line runs ${words[i]}, not node: ${first}`);
  return { env: added, nodeArgs: words.slice(i + 1) };
}

export function spawnNode(nodeArgs: string[], opts: SpawnOptions = {}): Child {
  if (opts.measure && existsSync(opts.measure)) rmSync(opts.measure);
  const env = {
    ...process.env,
    ...opts.env,
    ...(opts.measure ? { FUNCTAPE_BENCH_EXIT_REPORT: opts.measure } : {}),
  };
  const fd = opts.stdoutFile ? openSync(opts.stdoutFile, 'w') : undefined;
  const proc = spawn(process.execPath, nodeArgs, {
    cwd: opts.cwd ?? REPO,
    env,
    stdio: ['ignore', fd ?? 'pipe', 'pipe'],
  });
  if (fd !== undefined) closeSync(fd);
  let out = '';
  let err = '';
  const lineWaiters: Array<() => void> = [];
  proc.stdout?.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    for (const w of lineWaiters) w();
  });
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    proc.once('exit', (code, signal) => {
      for (const w of lineWaiters) w();
      res({ code, signal });
    }),
  );
  return {
    proc,
    pid: proc.pid!,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor: (re, timeoutMs = 15_000) =>
      new Promise((res, rej) => {
        const timer = setTimeout(
          () => done(new Error(`timed out waiting for ${re} (stderr: ${err.trim().slice(-300)})`)),
          timeoutMs,
        );
        const check = () => {
          const m = out.match(re);
          if (m) return done(undefined, m);
          if (proc.exitCode !== null || proc.signalCode !== null)
            done(
              new Error(
                `exited (${proc.exitCode ?? proc.signalCode}) before ${re}: ${err.trim().slice(-300)}`,
              ),
            );
        };
        const done = (e?: Error, m?: RegExpMatchArray) => {
          clearTimeout(timer);
          const i = lineWaiters.indexOf(check);
          if (i >= 0) lineWaiters.splice(i, 1);
          if (e) rej(e);
          else res(m!);
        };
        lineWaiters.push(check);
        check();
      }),
    stop: async (signal = 'SIGTERM', graceMs = 20_000) => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      const r = await exited;
      clearTimeout(timer);
      return r;
    },
    exitReport: () => {
      if (!opts.measure || !existsSync(opts.measure)) return undefined;
      try {
        return JSON.parse(readFileSync(opts.measure, 'utf8')) as ExitReport;
      } catch {
        return undefined;
      }
    },
  };
}

/** Resident set size of a process in MB from /proc (undefined once it is gone). */
export function rssMB(pid: number): number | undefined {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Open file descriptors of a process (sockets, files, pipes), from /proc. */
export function openHandles(pid: number): number | undefined {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return undefined;
  }
}

/** CPU time (user+system, ms) a process has used so far, from /proc/PID/stat. */
export function cpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}
const CLOCK_TICKS = 100;

/**
 * Run time of each live thread of a process, ns by thread id, from the scheduler's own
 * account (/proc/PID/task/TID/schedstat), or undefined when the kernel does not keep it.
 * Unlike /proc/PID/stat's utime + stime, which charge a whole 10 ms tick to whichever
 * thread the tick finds running (at ~10% of a core, a 3 s window holds ~30 such charges:
 * ±20% from sampling alone), it is exact.
 */
export function threadRunNs(pid: number): Map<string, number> | undefined {
  const out = new Map<string, number>();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        out.set(tid, Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]));
      } catch {
        // the thread exited between the listing and the read
      }
    }
  } catch {
    return undefined;
  }
  return out.size > 0 ? out : undefined;
}

export interface Sample {
  tMs: number;
  rssMB: number;
}

/** Sample a process's RSS every `everyMs` until stopped. */
export function sampleRss(pid: number, everyMs: number): { stop(): Sample[] } {
  const t0 = performance.now();
  const samples: Sample[] = [];
  const take = () => {
    const r = rssMB(pid);
    if (r !== undefined)
      samples.push({ tMs: Math.round(performance.now() - t0), rssMB: Math.round(r * 10) / 10 });
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      take();
      return samples;
    },
  };
}

/** Direct child processes of `pid` (from /proc/PID/task/TID/children). */
export function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
      try {
        return readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8')
          .trim()
          .split(/\s+/)
          .filter(Boolean)
          .map(Number);
      } catch {
        return [];
      }
    });
  } catch {
    return [];
  }
}

/** The command line of a process (arguments joined by spaces). */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}
