import type { BenchProgress } from '../load/bench-driver.js';
import type { LoadPlan } from '../load/pacer.js';
import { formatNumber, formatUs } from '../report/bench-format.js';

export interface ProgressLine {
  update(p: BenchProgress): void;
  phase(text: string): void;
  /** Clear the line (call once at the end, before the summary). */
  done(): void;
}

/**
 * A single line rewritten in place (`\r`, erase line; never a newline): elapsed,
 * invocations/s, p99 so far, errors. Written by hand rather than with a progress-bar
 * library: it is a status line, not a bar (a run bounded by --invocations has no known
 * end time), and `--progress` asks for the same line on a stream that is not a terminal.
 */
export function createProgressLine(out: NodeJS.WritableStream, plan: LoadPlan): ProgressLine {
  const total = plan.warmupMs + plan.durationMs;
  let shown = false;
  const write = (text: string) => {
    out.write(`\r\x1b[2K${text}`);
    shown = true;
  };
  return {
    update(p) {
      const clock = Number.isFinite(total)
        ? `${(p.elapsedMs / 1000).toFixed(1)}/${(total / 1000).toFixed(0)}s`
        : `${(p.elapsedMs / 1000).toFixed(1)}s`;
      const errors = p.errors > 0 ? `\x1b[31m${p.errors} errors\x1b[0m` : '0 errors';
      const p99 = p.completed > 0 ? formatUs(p.p99Us) : '-';
      const target =
        plan.model === 'open'
          ? `target ${formatNumber(Math.round(p.level))}/s`
          : `target ${p.level} in flight`;
      write(
        `bench ${p.phase.padEnd(7)} ${clock}  ${formatNumber(Math.round(p.recentRate))} inv/s (${target})  p99 ${p99}  ${p.completed} measured  ${p.inFlight} in flight  ${errors}`,
      );
    },
    phase(text) {
      write(`bench: ${text}…`);
    },
    done() {
      if (shown) out.write('\r\x1b[2K');
    },
  };
}
