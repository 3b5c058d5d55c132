/** Number formatting shared by the bench printers (text and HTML). */
import type { BenchMachine, BenchReport } from './bench-report.js';

/** Microseconds as a short latency: `850µs`, `1.23ms`, `12.3ms`, `1.50s`. */
export function formatUs(us: number): string {
  if (!Number.isFinite(us)) return '-';
  if (us < 1000) return `${Math.round(us)}µs`;
  if (us < 10_000) return `${(us / 1000).toFixed(2)}ms`;
  if (us < 1_000_000) return `${(us / 1000).toFixed(1)}ms`;
  return `${(us / 1_000_000).toFixed(2)}s`;
}

/** A rate or count with sensible precision: `12345`, `1234.5`, `12.35`. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return '-';
  if (Number.isInteger(x)) return String(x);
  if (Math.abs(x) >= 1000) return x.toFixed(0);
  if (Math.abs(x) >= 100) return x.toFixed(1);
  return x.toFixed(2);
}

/** A signed percentage: `+3.2%`, `-10.0%`. */
export function formatPercent(x: number): string {
  if (!Number.isFinite(x)) return x > 0 ? '+∞%' : '-';
  return `${x >= 0 ? '+' : ''}${x.toFixed(1)}%`;
}

/** Visible width of a cell: characters, not counting ANSI color codes. */
function visibleWidth(cell: string): number {
  return [...cell.replace(/\x1b\[[0-9;]*m/g, '')].length;
}

/** Left-align the first column, right-align the others (colored cells line up too). */
export function table(rows: string[][], indent = '  '): string {
  const widths: number[] = [];
  for (const r of rows)
    r.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, visibleWidth(cell));
    });
  return `${rows
    .map(
      (r) =>
        indent +
        r
          .map((cell, i) => {
            const pad = ' '.repeat(widths[i]! - visibleWidth(cell));
            return i === 0 ? cell + pad : pad + cell;
          })
          .join('  ')
          .trimEnd(),
    )
    .join('\n')}\n`;
}

/** How many recorded invocations the load cycles through, and which were left out. */
export function describeSource(s: BenchReport['source']): string {
  const cancelled = s.cancelledLeftOut
    ? `; ${s.cancelledLeftOut} cancelled by the host in the recording left out`
    : '';
  return `${s.templates} recorded invocations cycled${cancelled}`;
}

/** The machines of a merged report as table rows, a header first (text and HTML alike). */
export function machineRows(machines: readonly BenchMachine[]): string[][] {
  return [
    ['machine', 'report', 'started', 'at', 'measured', 'load', 'completed', 'inv/s', 'p99', 'errors'],
    ...machines.map((m) => [
      m.hostname,
      m.file,
      m.startedAt,
      `+${m.offsetS}s`,
      `${(m.durationMs / 1000).toFixed(2)}s`,
      `${m.load}; ${m.workers} worker(s)${m.stopReason !== 'done' ? `; ${m.stopReason}` : ''}`,
      String(m.completed),
      formatNumber(m.throughput),
      m.p99Us === null ? '-' : formatUs(m.p99Us),
      String(m.errors),
    ]),
  ];
}
