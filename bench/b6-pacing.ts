import type { Benchmark, BenchContext, BenchResult, Metric } from './lib/benchmark.js';
import { interleave, metric } from './lib/benchmark.js';
import { runChildScript } from './lib/run-child.js';
import type { PacingResult as PacingRun } from './lib/pacing-child.js';

/**
 * Benchmark 6: |send time − recorded schedule| of functape's replay host driver in
 * `recorded` pace (replayHost over an in-memory duplex, a synthetic session of
 * invocation requests `gap` ms apart) vs plain setTimeout scheduling of the same instants
 * (each wake-up sends what is due, then sleeps until the next instant), and the replaying
 * process's CPU. Both schedules are anchored at their earliest message (see
 * pacing-child.ts), so a constant start-up offset does not count. Each run is a fresh process.
 * Diagnosis rows (no target) at gaps ≥ 1 ms: the same instants paced by a setTimeout and a
 * busy-wait alone (pacing-child's `floor`), run right after each baseline run, so that a
 * tail the machine imposes on any pacer can be told from one functape adds.
 */
export const pacingBenchmark: Benchmark = {
  id: 6,
  title: 'Replay pacing error, `recorded` pace',
  async run(ctx: BenchContext): Promise<BenchResult> {
    const gaps = [
      { gap: 0.1, count: 1000 },
      { gap: 1, count: ctx.quick ? 300 : 600 },
      { gap: 10, count: ctx.quick ? 100 : 200 },
    ];
    const metrics: Metric[] = [];
    const runs: unknown[] = [];
    const floors = new Map<number, PacingRun[]>();
    let error: string | undefined;
    for (const g of gaps) {
      const go = (mode: string) =>
        runChildScript<PacingRun>('pacing-child.js', [mode, String(g.gap), String(g.count)]);
      const r = await interleave(
        ctx.runs,
        async (i) => {
          const res = await go('baseline');
          ctx.log(
            `  gap ${g.gap} ms setTimeout run ${i + 1}: |error| p50 ${res.p50Us.toFixed(0)} µs p99 ${res.p99Us.toFixed(0)} µs, CPU ${res.cpuPct.toFixed(1)}%`,
          );
          if (g.gap >= 1) {
            const fl = await go('floor');
            ctx.log(
              `  gap ${g.gap} ms timer+spin run ${i + 1} (diagnosis): |error| p50 ${fl.p50Us.toFixed(0)} µs p99 ${fl.p99Us.toFixed(0)} µs`,
            );
            floors.set(g.gap, [...(floors.get(g.gap) ?? []), fl]);
          }
          return res;
        },
        async (i) => {
          const res = await go('functape');
          ctx.log(
            `  gap ${g.gap} ms functape   run ${i + 1}: |error| p50 ${res.p50Us.toFixed(0)} µs p99 ${res.p99Us.toFixed(0)} µs, CPU ${res.cpuPct.toFixed(1)}%`,
          );
          return res;
        },
        ctx.log,
      );
      if (r.error) error = r.error;
      runs.push({
        gapMs: g.gap,
        count: g.count,
        setTimeout: r.a,
        functape: r.b,
        ...(floors.has(g.gap) ? { timerSpin: floors.get(g.gap) } : {}),
      });
      const base = r.a.slice(0, r.b.length || undefined);
      const target =
        g.gap >= 1 ? { target: { kind: 'max' as const, value: 100 }, text: '≤ 100 µs' } : undefined;
      metrics.push(
        metric(
          `error-p99-${g.gap}`,
          `gap ${g.gap} ms: |error| p99`,
          'µs',
          r.b.map((x) => x.p99Us),
          base.map((x) => x.p99Us),
          target,
          error,
        ),
      );
      metrics.push(
        metric(
          `error-p50-${g.gap}`,
          `gap ${g.gap} ms: |error| p50`,
          'µs',
          r.b.map((x) => x.p50Us),
          base.map((x) => x.p50Us),
          undefined,
          error,
        ),
      );
      const fl = floors.get(g.gap);
      if (fl)
        metrics.push(
          metric(
            `floor-p99-${g.gap}`,
            `diagnosis: gap ${g.gap} ms, setTimeout + busy-wait alone (no functape): |error| p99`,
            'µs',
            fl.map((x) => x.p99Us),
            base.map((x) => x.p99Us),
          ),
        );
      if (g.gap === 1)
        metrics.push(
          metric(
            'offset',
            'start-up offset before the first message',
            'µs',
            r.b.map((x) => x.offsetUs),
            base.map((x) => x.offsetUs),
            undefined,
            error,
          ),
        );
      if (g.gap === 10)
        metrics.push(
          metric(
            'cpu-10',
            'gap 10 ms: CPU of the replaying process',
            '%',
            r.b.map((x) => x.cpuPct),
            base.map((x) => x.cpuPct),
            { target: { kind: 'max', value: 25 }, text: '≤ 25%' },
            error,
          ),
        );
    }
    return {
      id: 6,
      title: this.title,
      baseline: 'setTimeout scheduling of the same instants',
      metrics,
      runs,
      notes: [],
      ...(error ? { error } : {}),
    };
  },
};
