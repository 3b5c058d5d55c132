import type { LoadAgent } from './load-agent-client.js';
import type { LatencyResult } from './load-patterns.js';
import { cpuMs, threadRunNs } from './proc.js';

/** CPU samples of one process, taken every `everyMs` while a measurement runs. */
export interface CpuSampler {
  /**
   * Stop sampling; the CPU rate (ms of CPU per s of wall time) over the samples from
   * `skipMs` after the start to `tailMs` before the stop, or NaN with fewer than 2 samples.
   */
  stop(skipMs: number, tailMs: number): number;
}

/**
 * Sample the CPU time of `pid` every `everyMs`: each thread's run time from the scheduler
 * (exact; the window's CPU is the sum over the threads alive at both of its ends), or,
 * where the kernel keeps no schedstat, the process's utime + stime (10 ms ticks).
 */
export function sampleCpu(pid: number, everyMs = 100): CpuSampler {
  const t0 = performance.now();
  const samples: Array<{ t: number; threads?: Map<string, number>; cpu?: number }> = [];
  const take = () => {
    const t = performance.now() - t0;
    const threads = threadRunNs(pid);
    if (threads) samples.push({ t, threads });
    else {
      const cpu = cpuMs(pid);
      if (cpu !== undefined) samples.push({ t, cpu });
    }
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop(skipMs, tailMs) {
      clearInterval(timer);
      const end = performance.now() - t0 - tailMs;
      const inWindow = samples.filter((s) => s.t >= skipMs && s.t <= end);
      if (inWindow.length < 2) return NaN;
      const a = inWindow[0]!;
      const b = inWindow.at(-1)!;
      return (cpuBetween(a, b) * 1000) / (b.t - a.t);
    },
  };
}

/** CPU ms between two samples: per thread alive at both (schedstat), else the process's ticks. */
function cpuBetween(
  a: { threads?: Map<string, number>; cpu?: number },
  b: { threads?: Map<string, number>; cpu?: number },
): number {
  if (a.threads && b.threads) {
    let ns = 0;
    for (const [tid, run] of b.threads) {
      const before = a.threads.get(tid);
      if (before !== undefined) ns += run - before;
    }
    return ns / 1e6;
  }
  return (b.cpu ?? NaN) - (a.cpu ?? NaN);
}

/** What one paced run cost a process: µs of CPU per message it relayed or handled. */
export interface SteadyRun {
  cpuUsPerMsg: number;
  achievedRate: number;
  result: LatencyResult;
}

/**
 * One paced run (`rate` echoes/s of 200 B, after `warmupSeconds` of traffic) while sampling `pid`'s CPU; per message = the CPU
 * rate over the steady window ÷ (2 × rate): one echo is two messages, relayed (proxy) or
 * handled (one read, one written: the echo server).
 */
export async function pacedCpu(
  agent: LoadAgent,
  target: string,
  pid: number,
  rate: number,
  seconds: number,
  warmupSeconds = 0.7,
): Promise<SteadyRun> {
  const sampler = sampleCpu(pid);
  const result = await agent
    .paced(target, { size: 200, rate, seconds, warmupSeconds })
    .catch((err: unknown) => {
      sampler.stop(0, 0);
      throw err;
    });
  // (the window leaves out the connection, the warm-up and the last 200 ms)
  const cpuMsPerSec = sampler.stop(warmupSeconds * 1000 + 300, 200);
  const achievedRate = result.achievedRate ?? rate;
  return { cpuUsPerMsg: (cpuMsPerSec * 1000) / (2 * achievedRate), achievedRate, result };
}
