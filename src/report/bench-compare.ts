import type { BenchReport } from './bench-report.js';
import { formatNumber, formatPercent, formatUs, table } from './bench-format.js';

/** One compared figure. `changePct` is positive when the figure grew. */
export interface CompareRow {
  metric: string;
  unit: 'us' | 'per-s' | 'count';
  baseline: number;
  current: number;
  changePct: number;
  /** Which way is better for this figure. */
  better: 'higher' | 'lower';
  /** True when this figure decides pass/fail and moved the wrong way by more than the threshold. */
  regression: boolean;
  /** True when the figure takes part in the pass/fail decision. */
  gated: boolean;
}

export interface BenchComparison {
  maxRegressionPct: number;
  rows: CompareRow[];
  /** Per function (present in both reports): its p99 and throughput, informative. */
  functions: Array<{ name: string; rows: CompareRow[] }>;
  regressed: boolean;
}

/**
 * Compare a run with a baseline. The gate (as documented for `--compare`): the run
 * regressed when overall throughput dropped, or overall p99 rose, by more than
 * `maxRegressionPct` percent. Other figures are shown for context only.
 */
export function compareBenchReports(
  baseline: BenchReport,
  current: BenchReport,
  maxRegressionPct: number,
): BenchComparison {
  const b = baseline.overall;
  const c = current.overall;
  const rows: CompareRow[] = [
    row('throughput', 'per-s', b.throughput, c.throughput, 'higher', true, maxRegressionPct),
    row('p50', 'us', b.latency?.p50Us ?? 0, c.latency?.p50Us ?? 0, 'lower', false, maxRegressionPct),
    row('p90', 'us', b.latency?.p90Us ?? 0, c.latency?.p90Us ?? 0, 'lower', false, maxRegressionPct),
    row('p99', 'us', b.latency?.p99Us ?? 0, c.latency?.p99Us ?? 0, 'lower', true, maxRegressionPct),
    row('p99.9', 'us', b.latency?.p999Us ?? 0, c.latency?.p999Us ?? 0, 'lower', false, maxRegressionPct),
    row('max', 'us', b.latency?.maxUs ?? 0, c.latency?.maxUs ?? 0, 'lower', false, maxRegressionPct),
    row(
      'errors',
      'count',
      b.errors + b.unanswered + (b.backlog ?? 0),
      c.errors + c.unanswered + (c.backlog ?? 0),
      'lower',
      false,
      maxRegressionPct,
    ),
    row(
      'generator µs/inv',
      'us',
      baseline.generator.cpuUsPerInvocation,
      current.generator.cpuUsPerInvocation,
      'lower',
      false,
      maxRegressionPct,
    ),
  ];
  const functions = current.functions.flatMap((f) => {
    const old = baseline.functions.find((x) => x.name === f.name);
    if (!old) return [];
    return [
      {
        name: f.name,
        rows: [
          row('throughput', 'per-s', old.throughput, f.throughput, 'higher', false, maxRegressionPct),
          row('p99', 'us', old.latency?.p99Us ?? 0, f.latency?.p99Us ?? 0, 'lower', false, maxRegressionPct),
        ],
      },
    ];
  });
  return { maxRegressionPct, rows, functions, regressed: rows.some((r) => r.regression) };
}

function row(
  metric: string,
  unit: CompareRow['unit'],
  baseline: number,
  current: number,
  better: CompareRow['better'],
  gated: boolean,
  maxPct: number,
): CompareRow {
  const changePct = baseline === 0 ? (current === 0 ? 0 : Infinity) : ((current - baseline) / baseline) * 100;
  const worsePct = better === 'higher' ? -changePct : changePct;
  return {
    metric,
    unit,
    baseline,
    current,
    changePct,
    better,
    gated,
    regression: gated && worsePct > maxPct,
  };
}

/** The comparison as a table plus a verdict line. */
export function renderBenchComparison(
  cmp: BenchComparison,
  style: { red(s: string): string; green(s: string): string; bold(s: string): string } = {
    red: (s) => s,
    green: (s) => s,
    bold: (s) => s,
  },
): string {
  const fmt = (r: CompareRow, x: number) => (r.unit === 'us' ? formatUs(x) : formatNumber(x));
  const rows: string[][] = [['', 'baseline', 'current', 'change', ''].map((h) => style.bold(h))];
  const add = (prefix: string, r: CompareRow) => {
    const mark = r.regression ? style.red('REGRESSION') : r.gated ? 'gate' : '';
    rows.push([prefix + r.metric, fmt(r, r.baseline), fmt(r, r.current), formatPercent(r.changePct), mark]);
  };
  for (const r of cmp.rows) add('', r);
  for (const f of cmp.functions) for (const r of f.rows) add(`${f.name} `, r);
  const verdict = cmp.regressed
    ? style.red(`regression: throughput or p99 worse than the baseline by more than ${cmp.maxRegressionPct}%`)
    : style.green(`within ${cmp.maxRegressionPct}% of the baseline (throughput and p99)`);
  return `compared with the baseline:\n${table(rows)}${verdict}\n`;
}

/** Parse `10%` or `10` into 10; throws a user-facing message. */
export function parsePercent(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(text);
  if (!m) throw new Error(`bad percentage "${text}" (expected e.g. 10%)`);
  return Number(m[1]);
}
