import type { LoadAgent } from './load-agent-client.js';
import type { CompletenessRecord } from './record-proxy.js';
import { deltas, ratios, summarize, type Summary } from './stats.js';

/**
 * What a figure must reach. Ratio and delta targets compare functape with the baseline of
 * the same run; `every` must hold in every run (completeness), the others on the median.
 */
export type Target =
  | { kind: 'ratio-min'; value: number }
  | { kind: 'ratio-max'; value: number }
  | { kind: 'delta-max'; value: number }
  | { kind: 'max'; value: number }
  | { kind: 'min'; value: number }
  | { kind: 'every'; value: number };

/** One figure of a benchmark: its value per run, for functape and (when there is one) the baseline. */
export interface Metric {
  key: string;
  label: string;
  unit: string;
  /** Per run, in run order; empty when functape's side could not be measured. */
  functape: number[];
  /** Per run, same order and length as `functape` when both were measured. */
  baseline?: number[];
  target?: Target;
  /** The target as the issue words it. */
  targetText?: string;
  /** Why functape's side is missing, if it is. */
  missing?: string;
  /** How to show functape vs baseline when there is no target to say it (default: ratio). */
  compare?: 'ratio' | 'delta';
}

export interface MetricSummary {
  functape: Summary;
  baseline?: Summary;
  ratio?: Summary;
  delta?: Summary;
  /** null: not measured, or no target. */
  met: boolean | null;
}

export interface BenchResult {
  id: number;
  title: string;
  /** What the baseline is, in a few words. */
  baseline?: string;
  metrics: Metric[];
  /** Every run's raw figures (whatever the benchmark measured), for the results file. */
  runs: unknown[];
  notes: string[];
  error?: string;
  seconds?: number;
}

export interface BenchContext {
  quick: boolean;
  /** Runs per side (≥ 5 in a full run). */
  runs: number;
  /** A scratch directory removed after the run. */
  tmp: string;
  log(message: string): void;
  /** The shared load-generating child (started on first use). */
  agent(): Promise<LoadAgent>;
  /** Every proxied run of benchmarks 1 and 2 adds what it forwarded and what was captured (benchmark 3 reads it). */
  completeness: CompletenessRecord[];
}

export interface Benchmark {
  id: number;
  title: string;
  run(ctx: BenchContext): Promise<BenchResult>;
}

export function summarizeMetric(m: Metric): MetricSummary {
  const functape = summarize(m.functape);
  const paired = m.baseline && m.baseline.length === m.functape.length && m.functape.length > 0;
  const out: MetricSummary = { functape, met: null };
  if (m.baseline && m.baseline.length > 0) out.baseline = summarize(m.baseline);
  if (paired) {
    out.ratio = summarize(ratios(m.functape, m.baseline!));
    out.delta = summarize(deltas(m.functape, m.baseline!));
  }
  const t = m.target;
  if (!t || functape.n === 0) return out;
  switch (t.kind) {
    case 'ratio-min':
      out.met = out.ratio ? out.ratio.median >= t.value : null;
      break;
    case 'ratio-max':
      out.met = out.ratio ? out.ratio.median <= t.value : null;
      break;
    case 'delta-max':
      out.met = out.delta ? out.delta.median <= t.value : null;
      break;
    case 'max':
      out.met = functape.median <= t.value;
      break;
    case 'min':
      out.met = functape.median >= t.value;
      break;
    case 'every':
      out.met = m.functape.every((v) => v === t.value);
      break;
  }
  return out;
}

/**
 * Run `a` (baseline) and `b` (functape) alternately, A B A B ..., `runs` times each, so
 * that drift in the machine's load affects both sides alike. A failing functape run is
 * recorded as an error and ends the loop (its side stays shorter than the baseline's).
 */
export async function interleave<A, B>(
  runs: number,
  a: (i: number) => Promise<A>,
  b: (i: number) => Promise<B>,
  log: (m: string) => void,
): Promise<{ a: A[]; b: B[]; error?: string }> {
  const out: { a: A[]; b: B[]; error?: string } = { a: [], b: [] };
  for (let i = 0; i < runs; i += 1) {
    out.a.push(await a(i));
    try {
      out.b.push(await b(i));
    } catch (err) {
      out.error = err instanceof Error ? err.message : String(err);
      log(`  functape side failed: ${out.error}`);
      // keep measuring the baseline so the table still shows it
      for (let j = i + 1; j < runs; j += 1) out.a.push(await a(j));
      break;
    }
  }
  return out;
}

/** Pair baseline runs with functape runs (drop unpaired baseline runs for ratios). */
export function metric(
  key: string,
  label: string,
  unit: string,
  functape: number[],
  baseline: number[] | undefined,
  target?: { target: Target; text: string },
  missing?: string,
): Metric {
  const m: Metric = { key, label, unit, functape };
  if (baseline) m.baseline = baseline;
  if (target) {
    m.target = target.target;
    m.targetText = target.text;
  }
  if (missing && functape.length === 0) m.missing = missing;
  return m;
}
