// Diagnosis for benchmark 6 (not used by the harness's figures): with PACING_LATE=1 set,
// pacing-child.ts's `functape` mode prints to stderr every message more than 100 µs behind
// the anchored schedule, with what the process saw around it: how long its main thread
// waited for a CPU since the previous message (/proc/thread-self/schedstat: another
// process or one of its own threads had the CPU), and every GC (perf_hooks) since the
// release. Reading schedstat costs a few µs per message, so figures taken with it on are
// not the benchmark's.
import { readFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';

export interface PacingDiagnosis {
  /** Call at each arrival, right after taking its timestamp. */
  arrived(): void;
  /** Print the report; `errorsMs[i]` is message i's raw error (ms), `atMs[i]` its arrival after the release. */
  print(errorsMs: number[], atMs: number[], releasedAt: number): void;
}

/** Run-queue wait of the calling thread so far, ms (0 where schedstat is not readable). */
function runQueueWaitMs(): number {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ')[1]) / 1e6;
  } catch {
    return 0;
  }
}

export function createPacingDiagnosis(): PacingDiagnosis {
  const waits: number[] = [runQueueWaitMs()];
  const gcs: Array<{ at: number; ms: number; kind: number }> = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      gcs.push({
        at: e.startTime,
        ms: e.duration,
        kind: (e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0,
      });
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    arrived: () => void waits.push(runQueueWaitMs()),
    print(errorsMs, atMs, releasedAt) {
      observer.disconnect();
      const out: string[] = [];
      for (const g of gcs)
        if (g.at + g.ms >= releasedAt)
          out.push(`gc kind ${g.kind} at ${(g.at - releasedAt).toFixed(1)} ms: ${g.ms.toFixed(2)} ms`);
      const anchor = Math.min(...errorsMs);
      errorsMs.forEach((e, i) => {
        const late = e - anchor;
        if (late <= 0.1) return;
        const rq = waits[i + 1]! - waits[i]!;
        // Sent in the same burst as a late predecessor: its lateness is that one's.
        const knockOn = i > 0 && errorsMs[i - 1]! - anchor > 0.1 && atMs[i]! - atMs[i - 1]! < 0.2;
        const why = knockOn ? ' (knock-on)' : rq >= late / 2 ? ' (cpu)' : '';
        out.push(
          `late #${i} at ${atMs[i]!.toFixed(1)} ms: ${(late * 1000).toFixed(0)} µs; run-queue wait since the previous message ${rq.toFixed(3)} ms${why}`,
        );
      });
      process.stderr.write(`${out.join('\n')}\n`);
    },
  };
}
