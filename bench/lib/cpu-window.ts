import { cpuMs } from './proc.js';

/** CPU samples of one process, taken every `everyMs` while a measurement runs. */
export interface CpuSampler {
  /**
   * Stop sampling; the CPU rate (ms of CPU per s of wall time) over the samples from
   * `skipMs` after the start to `tailMs` before the stop, or NaN with fewer than 2 samples.
   */
  stop(skipMs: number, tailMs: number): number;
}

/** Sample the CPU time of `pid` (all its threads, from /proc) every `everyMs`. */
export function sampleCpu(pid: number, everyMs = 100): CpuSampler {
  const t0 = performance.now();
  const samples: Array<{ t: number; cpu: number }> = [];
  const take = () => {
    const cpu = cpuMs(pid);
    if (cpu !== undefined) samples.push({ t: performance.now() - t0, cpu });
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
      return ((b.cpu - a.cpu) * 1000) / (b.t - a.t);
    },
  };
}
