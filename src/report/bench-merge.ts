import * as hdr from 'hdr-histogram-js';
import type {
  BenchLoad,
  BenchMachine,
  BenchReport,
  Figures,
  FunctionFigures,
  GeneratorFigures,
  TimelinePoint,
  VerifyFigures,
} from './bench-report.js';
import { CURVE_PERCENTILES, newHistogram, summarize, valueAt } from './latency-figures.js';

export type MergeResult = { ok: true; report: BenchReport } | { ok: false; error: string };

/**
 * Add bench reports of runs made at the same time on several machines into one.
 *
 * Contract: counts are sums; every percentile comes from the sum of the runs' HDR histograms
 * (overall, per function by name, per second), never from averaged percentiles, so merging the
 * reports of two halves of a load gives the figures one report of all of it would give. The
 * per-second timelines are aligned by wall time (each run's seconds shifted by its start, to the
 * nearest second, after the earliest). Reports that cannot be added are refused with the reason:
 * not bench reports, from a format without the encoded histograms, or of different load models
 * (open loop measures from the scheduled time, closed loop from the send).
 */
export function mergeBenchReports(
  inputs: ReadonlyArray<{ file: string; report: BenchReport }>,
  functapeVersion: string,
): MergeResult {
  const why = unmergeable(inputs);
  if (why) return { ok: false, error: why };
  const reports = inputs.map((i) => i.report);
  const starts = reports.map((r) => Date.parse(r.startedAt));
  const t0 = Math.min(...starts);
  const durationMs = Math.max(...reports.map((r, i) => starts[i]! - t0 + r.durationMs));
  const offsets = starts.map((s) => Math.round((s - t0) / 1000));
  const first = reports[0]!;
  const report: BenchReport = {
    format: 'functape-bench',
    formatVersion: 1,
    functapeVersion,
    startedAt: new Date(t0).toISOString(),
    source: first.source,
    load: mergeLoad(reports.map((r) => r.load)),
    durationMs,
    stopReason: worst(reports),
    overall: mergeFigures(
      reports.map((r) => r.overall),
      durationMs,
    ),
    functions: mergeFunctions(reports, durationMs),
    workers: reports.flatMap((r) => r.workers).map((w, index) => ({ ...w, index })),
    timeline: mergeTimelines(reports.map((r, i) => ({ points: r.timeline, offsetS: offsets[i]! }))),
    warmup: {
      sent: sum(reports.map((r) => r.warmup.sent)),
      completed: sum(reports.map((r) => r.warmup.completed)),
    },
    generator: mergeGenerators(reports),
    machine: first.machine,
    incidents: reports.flatMap((r) => r.incidents ?? []),
    notes: inputs.flatMap(({ file, report: r }) => r.notes.map((n) => `${file}: ${n}`)),
    machines: inputs.map(({ file, report: r }, i) => machineOf(file, r, offsets[i]!)),
  };
  const verify = mergeVerify(reports);
  if (verify) report.verify = verify;
  return { ok: true, report };
}

function unmergeable(inputs: ReadonlyArray<{ file: string; report: BenchReport }>): string | undefined {
  if (inputs.length < 2) return 'bench merge needs at least two reports';
  for (const { file, report: r } of inputs) {
    if (r.format !== 'functape-bench' || r.formatVersion !== 1) return `${file}: not a functape bench report`;
    const histograms = [r.overall, ...r.functions].every((f) => f.completed === 0 || Boolean(f.hdr));
    const seconds = r.timeline.every((p) => p.completed === 0 || Boolean(p.hdr));
    if (!histograms || !seconds)
      return `${file}: has no per-second HDR histograms (written by an older functape): run the bench again to merge it`;
    if (Number.isNaN(Date.parse(r.startedAt))) return `${file}: startedAt is not a time`;
  }
  const model = inputs[0]!.report.load.model;
  const other = inputs.find((i) => i.report.load.model !== model);
  if (other)
    return `${other.file}: ${other.report.load.model} loop, ${inputs[0]!.file}: ${model} loop: latencies of different load models do not add up`;
  const seen = new Map<string, string>();
  for (const { file, report: r } of inputs) {
    const key = `${r.machine.hostname} ${r.startedAt}`;
    if (seen.has(key)) return `${file}: the same run as ${seen.get(key)} (${key})`;
    seen.set(key, file);
  }
  return undefined;
}

/** Sums of counts; latency figures from the sum of the histograms. */
export function mergeFigures(figures: readonly Figures[], durationMs: number): Figures {
  const h = addHistograms(figures.map((f) => f.hdr));
  const measured = figures.flatMap((f) => (f.latency ? [f.latency] : []));
  const bounds = {
    minUs: Math.min(...measured.map((l) => l.minUs)),
    maxUs: Math.max(...measured.map((l) => l.maxUs)),
  };
  const completed = sum(figures.map((f) => f.completed));
  const rpcLogs = sum(figures.map((f) => f.rpcLogs));
  const statuses: Record<string, number> = {};
  const buckets = new Map<number, { fromUs: number; toUs: number; count: number }>();
  for (const f of figures) {
    for (const [k, v] of Object.entries(f.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
    for (const b of f.histogram) {
      const at = buckets.get(b.fromUs);
      if (at) at.count += b.count;
      else buckets.set(b.fromUs, { ...b });
    }
  }
  return {
    sent: sum(figures.map((f) => f.sent)),
    completed,
    unanswered: sum(figures.map((f) => f.unanswered)),
    backlog: sum(figures.map((f) => f.backlog)),
    errors: sum(figures.map((f) => f.errors)),
    throughput: durationMs > 0 ? completed / (durationMs / 1000) : 0,
    statuses,
    latency: completed > 0 ? summarize(h, bounds) : null,
    percentiles:
      completed > 0 ? CURVE_PERCENTILES.map((p) => ({ percentile: p, us: valueAt(h, p, bounds) })) : [],
    histogram: [...buckets.values()].sort((a, b) => a.fromUs - b.fromUs),
    rpcLogs,
    rpcLogsPerInvocation: completed > 0 ? rpcLogs / completed : 0,
    hdr: hdr.encodeIntoCompressedBase64(h),
  };
}

/** Functions by name, in the order they first appear. */
function mergeFunctions(reports: readonly BenchReport[], durationMs: number): FunctionFigures[] {
  const byName = new Map<string, FunctionFigures[]>();
  for (const f of reports.flatMap((r) => r.functions)) byName.set(f.name, [...(byName.get(f.name) ?? []), f]);
  return [...byName.values()].map((list) => ({
    name: list[0]!.name,
    recordedFunctionId: list[0]!.recordedFunctionId,
    ...mergeFigures(list, durationMs),
  }));
}

/** Second by second on the merged clock: counts added, percentiles from the added histograms. */
function mergeTimelines(
  runs: ReadonlyArray<{ points: readonly TimelinePoint[]; offsetS: number }>,
): TimelinePoint[] {
  const length = Math.max(...runs.map((r) => r.offsetS + r.points.length));
  const out: TimelinePoint[] = [];
  for (let second = 0; second < length; second++) {
    const points = runs.flatMap((r) => r.points[second - r.offsetS] ?? []);
    const spanS = Math.max(...points.map((p) => p.spanS), 0) || 1;
    const completed = sum(points.map((p) => p.completed));
    const errors = sum(points.map((p) => p.errors));
    if (completed === 0) {
      out.push({ second, spanS, completed, errors, p50Us: 0, p99Us: 0, maxUs: 0 });
      continue;
    }
    const h = addHistograms(
      points.map((p) => p.hdr ?? ''),
      2,
    );
    // (points keep no minimum: a percentile's bucket value is never below the true one)
    const bounds = { minUs: h.minNonZeroValue, maxUs: Math.max(...points.map((p) => p.maxUs)) };
    out.push({
      second,
      spanS,
      completed,
      errors,
      p50Us: valueAt(h, 50, bounds),
      p99Us: valueAt(h, 99, bounds),
      maxUs: bounds.maxUs,
      hdr: hdr.encodeIntoCompressedBase64(h),
    });
  }
  return out;
}

function mergeLoad(loads: readonly BenchLoad[]): BenchLoad {
  const all = <T>(pick: (l: BenchLoad) => T | null) =>
    loads.every((l) => pick(l) !== null) ? loads.map((l) => pick(l) as T) : null;
  const total = (pick: (l: BenchLoad) => number | null) => {
    const values = all(pick);
    return values ? sum(values) : null;
  };
  return {
    model: loads[0]!.model,
    concurrency: total((l) => l.concurrency),
    rate: total((l) => l.rate),
    stages: loads[0]!.stages,
    warmupMs: Math.max(...loads.map((l) => l.warmupMs)),
    durationMs: all((l) => l.durationMs) ? Math.max(...loads.map((l) => l.durationMs ?? 0)) : null,
    invocations: total((l) => l.invocations),
    workers: sum(loads.map((l) => l.workers)),
    description: `${loads.length} machines: ${loads.map((l) => l.description).join(' + ')}`,
  };
}

function mergeGenerators(reports: readonly BenchReport[]): GeneratorFigures {
  const g = reports.map((r) => r.generator);
  const cpuUserUs = sum(g.map((x) => x.cpuUserUs));
  const cpuSystemUs = sum(g.map((x) => x.cpuSystemUs));
  const completed = sum(reports.map((r) => r.overall.completed));
  const sent = sum(reports.map((r) => r.overall.sent));
  return {
    cpuUserUs,
    cpuSystemUs,
    cpuUsPerInvocation: completed > 0 ? (cpuUserUs + cpuSystemUs) / completed : 0,
    // A mean over every send: each run's mean weighted by its sends.
    meanSendLagUs: sent > 0 ? sum(reports.map((r) => r.generator.meanSendLagUs * r.overall.sent)) / sent : 0,
    maxSendLagUs: Math.max(...g.map((x) => x.maxSendLagUs)),
  };
}

function mergeVerify(reports: readonly BenchReport[]): VerifyFigures | undefined {
  if (!reports.every((r) => r.verify)) return undefined;
  const v = reports.map((r) => r.verify!);
  return {
    compared: sum(v.map((x) => x.compared)),
    matched: sum(v.map((x) => x.matched)),
    differed: sum(v.map((x) => x.differed)),
    samples: v.flatMap((x) => x.samples).slice(0, 5),
  };
}

function machineOf(file: string, r: BenchReport, offsetS: number): BenchMachine {
  return {
    file,
    hostname: r.machine.hostname,
    startedAt: r.startedAt,
    offsetS,
    durationMs: r.durationMs,
    stopReason: r.stopReason,
    load: r.load.description,
    workers: r.load.workers,
    completed: r.overall.completed,
    errors: r.overall.errors,
    throughput: r.overall.throughput,
    p99Us: r.overall.latency?.p99Us ?? null,
  };
}

function addHistograms(encoded: readonly string[], digits: 2 | 3 = 3): hdr.Histogram {
  const total = newHistogram(digits);
  for (const e of encoded) if (e) total.add(hdr.decodeFromCompressedBase64(e));
  return total;
}

/** A worker broke on one machine, else one was interrupted, else all done. */
function worst(reports: readonly BenchReport[]): BenchReport['stopReason'] {
  const stopped = (why: BenchReport['stopReason']) => reports.some((r) => r.stopReason === why);
  return stopped('worker-broke') ? 'worker-broke' : stopped('interrupted') ? 'interrupted' : 'done';
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
