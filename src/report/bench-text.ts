import type { BenchReport, Figures } from './bench-report.js';
import { incidentText } from './bench-incidents.js';
import { describeSource, formatNumber, formatUs, machineRows, table } from './bench-format.js';

export interface TextStyle {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
}

const PLAIN: TextStyle = { bold: (s) => s, dim: (s) => s, red: (s) => s, green: (s) => s };

/** The end-of-run summary: what ran, the latency table, counts, workers, the generator's cost. */
export function renderBenchText(r: BenchReport, style: TextStyle = PLAIN): string {
  const o = r.overall;
  const out: string[] = [];
  out.push(
    `${style.bold(`functape bench: ${r.load.description}; ${r.load.workers} worker${r.load.workers === 1 ? '' : 's'}`)}\n`,
  );
  out.push(
    `${style.dim(`  session ${r.source.sessionId} of ${r.source.db} (${describeSource(r.source)}); worker: ${r.source.workerCommand}`)}\n`,
  );
  if (r.stopReason !== 'done') out.push(`${style.red(`  stopped early: ${r.stopReason}`)}\n`);
  out.push('\n');
  const statusText =
    Object.entries(o.statuses)
      .map(([k, v]) => `${v} ${k}`)
      .join(', ') || 'none';
  const countRows: string[][] = [
    [
      'invocations',
      `${o.completed} completed in ${(r.durationMs / 1000).toFixed(2)}s (${statusText})${o.unanswered ? style.red(`, ${o.unanswered} unanswered`) : ''}${o.backlog ? style.red(`, ${o.backlog} never sent (the worker fell behind the schedule)`) : ''}`,
    ],
    ['throughput', `${formatNumber(o.throughput)} invocations/s`],
    ['rpc logs', `${formatNumber(o.rpcLogsPerInvocation)} per invocation (${o.rpcLogs})`],
    ['warmup', `${r.warmup.sent} sent, ${r.warmup.completed} answered (not counted)`],
  ];
  out.push(table(countRows.map(([a, b]) => [a!, b!])));
  out.push('\n');
  const header = [
    'latency',
    'count',
    'p50',
    'p90',
    'p99',
    'p99.9',
    'p99.99',
    'max',
    'mean',
    'inv/s',
    'errors',
  ];
  const rows: string[][] = [header.map((h) => style.bold(h))];
  rows.push(latencyRow('all', o));
  if (r.functions.length > 1 || (r.functions[0] && r.functions[0].name !== 'all')) {
    for (const f of r.functions) rows.push(latencyRow(f.name, f));
  }
  out.push(table(rows));
  out.push('\n');
  const workerRows = [
    ['worker', 'pid', 'sent', 'completed', 'errors', 'CPU µs/inv'].map((h) => style.bold(h)),
  ];
  for (const w of r.workers)
    workerRows.push([
      `#${w.index + 1} ${w.workerId.slice(0, 8)}`,
      String(w.pid ?? '-'),
      String(w.sent),
      String(w.completed),
      String(w.errors),
      w.cpuUsPerInvocation == null ? '-' : formatNumber(w.cpuUsPerInvocation),
    ]);
  out.push(table(workerRows));
  out.push('\n');
  if (r.machines) {
    const [head, ...rows] = machineRows(r.machines);
    out.push(table([head!.map((h) => style.bold(h)), ...rows]));
    out.push('\n');
  }
  const g = r.generator;
  out.push(
    `  generator CPU ${formatNumber(g.cpuUsPerInvocation)} µs/invocation (user ${(g.cpuUserUs / 1e6).toFixed(2)}s, system ${(g.cpuSystemUs / 1e6).toFixed(2)}s); send lag mean ${formatUs(g.meanSendLagUs)}, max ${formatUs(g.maxSendLagUs)}\n`,
  );
  if (r.verify) {
    const v = r.verify;
    const line = `  verify: ${v.compared} answers compared, ${v.matched} matched, ${v.differed} differed`;
    out.push(`${v.differed > 0 ? style.red(line) : style.green(line)}\n`);
    for (const s of v.samples) {
      for (const d of s.differences.slice(0, 5))
        out.push(`    ${s.function}: ${d.path}: ${d.recorded} → ${d.actual}\n`);
    }
  }
  for (const n of [...(r.incidents ?? []).map(incidentText), ...r.notes])
    out.push(`${style.dim(`  note: ${n}`)}\n`);
  return out.join('');
}

function latencyRow(name: string, f: Figures): string[] {
  const l = f.latency;
  const cells = l
    ? [l.p50Us, l.p90Us, l.p99Us, l.p999Us, l.p9999Us, l.maxUs, l.meanUs].map(formatUs)
    : Array(7).fill('-');
  return [name, String(f.completed), ...cells, formatNumber(f.throughput), String(f.errors + f.unanswered)];
}
