import type { BenchLoad, BenchReport } from './bench-report.js';

/** What a bench run is, for `--compare`: its load and the functions it invoked. */
export interface BenchShape {
  load: BenchLoad;
  functions: readonly string[];
}

const level = (l: BenchLoad) =>
  l.model === 'open'
    ? `open loop at ${l.rate}/s${l.concurrency !== null ? ` (≤ ${l.concurrency} in flight)` : ''}`
    : `closed loop with ${l.concurrency} in flight`;

/**
 * Why two runs' figures cannot be compared (empty: they can): throughput and latency
 * depend on the load model, its level (concurrency, rate, stages), the functions invoked
 * and the number of worker processes, so each must be the same. How long a run lasted
 * (duration, invocations, warmup) does not make it incomparable: figures are per second.
 */
export function incomparabilities(
  baseline: Pick<BenchReport, 'load' | 'functions'>,
  current: BenchShape,
): string[] {
  const out: string[] = [];
  const b = baseline.load;
  const c = current.load;
  if (b.model !== c.model || b.concurrency !== c.concurrency || (b.model === 'open' && b.rate !== c.rate)) {
    out.push(`load: baseline ${level(b)}, this run ${level(c)}`);
  }
  const stages = (l: BenchLoad) =>
    l.stages.map((s) => `${s.target} over ${s.durationMs / 1000}s`).join(' → ') || 'none';
  if (stages(b) !== stages(c)) out.push(`stages: baseline ${stages(b)}, this run ${stages(c)}`);
  if (b.workers !== c.workers) out.push(`workers: baseline ${b.workers}, this run ${c.workers}`);
  const names = (list: readonly string[]) => [...list].sort().join(', ');
  const bf = names(baseline.functions.map((f) => f.name));
  const cf = names(current.functions);
  if (bf !== cf) out.push(`functions: baseline ${bf || 'none'}, this run ${cf || 'none'}`);
  return out;
}
