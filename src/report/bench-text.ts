import type { BenchReport, Figures, VerifyFigures } from './bench-report.js';
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
  return [
    heading(r, style),
    '\n',
    table(countRows(r, style)),
    '\n',
    table(latencyRows(r, style)),
    '\n',
    table(workerRows(r, style)),
    '\n',
    r.machines ? `${table(boldHeader(machineRows(r.machines), style))}\n` : '',
    generatorLine(r),
    r.verify ? verifyLines(r.verify, style) : '',
    noteLines(r, style),
  ].join('');
}

/** What ran (load, workers, source) and, when the run did not finish, why it stopped. */
function heading(r: BenchReport, style: TextStyle): string {
  const workers = `${r.load.workers} worker${r.load.workers === 1 ? '' : 's'}`;
  const lines = [
    `${style.bold(`functape bench: ${r.load.description}; ${workers}`)}\n`,
    `${style.dim(`  session ${r.source.sessionId} of ${r.source.db} (${describeSource(r.source)}); worker: ${r.source.workerCommand}`)}\n`,
  ];
  if (r.stopReason !== 'done') lines.push(`${style.red(`  stopped early: ${r.stopReason}`)}\n`);
  return lines.join('');
}

/** The counts table: invocations (with what went unanswered or unsent), throughput, logs, warmup. */
function countRows(r: BenchReport, style: TextStyle): string[][] {
  const o = r.overall;
  const statusText =
    Object.entries(o.statuses)
      .map(([k, v]) => `${v} ${k}`)
      .join(', ') || 'none';
  const unanswered = o.unanswered ? style.red(`, ${o.unanswered} unanswered`) : '';
  const backlog = o.backlog
    ? style.red(`, ${o.backlog} never sent (the worker fell behind the schedule)`)
    : '';
  return [
    [
      'invocations',
      `${o.completed} completed in ${(r.durationMs / 1000).toFixed(2)}s (${statusText})${unanswered}${backlog}`,
    ],
    ['throughput', `${formatNumber(o.throughput)} invocations/s`],
    ['rpc logs', `${formatNumber(o.rpcLogsPerInvocation)} per invocation (${o.rpcLogs})`],
    ['warmup', `${r.warmup.sent} sent, ${r.warmup.completed} answered (not counted)`],
  ];
}

const LATENCY_HEADER = [
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

/** The latency table: all invocations, then each function unless the only one is "all". */
function latencyRows(r: BenchReport, style: TextStyle): string[][] {
  const rows = [latencyRow('all', r.overall)];
  if (r.functions.length > 1 || (r.functions[0] && r.functions[0].name !== 'all')) {
    for (const f of r.functions) rows.push(latencyRow(f.name, f));
  }
  return boldHeader([LATENCY_HEADER, ...rows], style);
}

/** One row per worker: what it was sent and answered, and its CPU per invocation when known. */
function workerRows(r: BenchReport, style: TextStyle): string[][] {
  const header = ['worker', 'pid', 'sent', 'completed', 'errors', 'CPU µs/inv'];
  const rows = r.workers.map((w) => [
    `#${w.index + 1} ${w.workerId.slice(0, 8)}`,
    String(w.pid ?? '-'),
    String(w.sent),
    String(w.completed),
    String(w.errors),
    w.cpuUsPerInvocation == null ? '-' : formatNumber(w.cpuUsPerInvocation),
  ]);
  return boldHeader([header, ...rows], style);
}

/** Rows whose first row (the header) is set in bold. */
function boldHeader([head, ...rows]: string[][], style: TextStyle): string[][] {
  return [head!.map((h) => style.bold(h)), ...rows];
}

/** The load generator's own cost and how late it sent. */
function generatorLine(r: BenchReport): string {
  const g = r.generator;
  return `  generator CPU ${formatNumber(g.cpuUsPerInvocation)} µs/invocation (user ${(g.cpuUserUs / 1e6).toFixed(2)}s, system ${(g.cpuSystemUs / 1e6).toFixed(2)}s); send lag mean ${formatUs(g.meanSendLagUs)}, max ${formatUs(g.maxSendLagUs)}\n`;
}

/** The verify counts (red when any answer differed) and up to 5 differences of each sample. */
function verifyLines(v: VerifyFigures, style: TextStyle): string {
  const line = `  verify: ${v.compared} answers compared, ${v.matched} matched, ${v.differed} differed`;
  const out = [`${v.differed > 0 ? style.red(line) : style.green(line)}\n`];
  for (const s of v.samples) {
    for (const d of s.differences.slice(0, 5))
      out.push(`    ${s.function}: ${d.path}: ${d.recorded} → ${d.actual}\n`);
  }
  return out.join('');
}

/** The incidents, then the notes, one dimmed line each. */
function noteLines(r: BenchReport, style: TextStyle): string {
  return [...(r.incidents ?? []).map(incidentText), ...r.notes]
    .map((n) => `${style.dim(`  note: ${n}`)}\n`)
    .join('');
}

function latencyRow(name: string, f: Figures): string[] {
  const l = f.latency;
  const cells = l
    ? [l.p50Us, l.p90Us, l.p99Us, l.p999Us, l.p9999Us, l.maxUs, l.meanUs].map(formatUs)
    : Array(7).fill('-');
  return [name, String(f.completed), ...cells, formatNumber(f.throughput), String(f.errors + f.unanswered)];
}
