import type { StatsReport } from '../model/stats.js';
import { formatNumber, formatUs } from './bench-format.js';

const ms = (v: number | null) => (v === null ? '-' : formatUs(v * 1000));
const kib = (b: number) => `${formatNumber(Math.round((b / 1024) * 10) / 10)}K`;

/** The stats report as a table: one row per group, numbers right-aligned. */
export function formatStatsText(r: StatsReport): string {
  if (r.rows.length === 0) return `${r.source}: no invocations`;
  const head = [
    r.by.toUpperCase(),
    'SESSIONS',
    'INVOCATIONS',
    'FAILED',
    'CANCELLED',
    'P50',
    'P90',
    'P99',
    'MAX',
    'LOGS/INV',
    '→HOST',
    '→WORKER',
  ];
  const rows = r.rows.map((x) => [
    x.group || '(none)',
    String(x.sessions),
    String(x.invocations),
    String(x.failures),
    String(x.cancellations),
    ms(x.p50Ms),
    ms(x.p90Ms),
    ms(x.p99Ms),
    ms(x.maxMs),
    formatNumber(Math.round(x.rpcLogsPerInvocation * 100) / 100),
    kib(x.bytesToHost),
    kib(x.bytesToWorker),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const fmt = (row: string[]) =>
    row
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [fmt(head), ...rows.map(fmt)].join('\n');
}

/** The report as JSON-ready data. */
export function statsJson(r: StatsReport): unknown {
  return r;
}
