import { join } from 'node:path';
import type { Benchmark, BenchContext, BenchResult, Metric } from './lib/benchmark.js';
import { interleave, metric } from './lib/benchmark.js';
import { runChildScript } from './lib/run-child.js';

interface StoreRun {
  rowsPerSec: number;
  seconds: number;
  stored: number;
  maxRssMB: number;
}

/**
 * Benchmark 4: frames/s into a fresh database through functape's capture store (from the
 * first write until close() resolves: everything committed and the indexes built) vs a plain better-sqlite3
 * insert of the same rows into the same schema, 1000 rows per transaction, on one thread
 * with the index fields computed before the clock starts. Each run is a fresh process.
 */
export const storeBenchmark: Benchmark = {
  id: 4,
  title: 'Store write throughput alone (batched)',
  async run(ctx: BenchContext): Promise<BenchResult> {
    const metrics: Metric[] = [];
    const runs: unknown[] = [];
    let error: string | undefined;
    let n = 0;
    for (const size of [200, 4096]) {
      const count = ctx.quick ? (size === 200 ? 50_000 : 10_000) : size === 200 ? 100_000 : 25_000;
      const go = (mode: string) => {
        n += 1;
        return runChildScript<StoreRun>('store-child.js', [
          mode,
          String(size),
          String(count),
          join(ctx.tmp, `store-${mode}-${n}.db`),
        ]);
      };
      const r = await interleave(
        ctx.runs,
        async (i) => {
          const res = await go('baseline');
          ctx.log(`  ${size} B sqlite   run ${i + 1}: ${Math.round(res.rowsPerSec)} rows/s`);
          return res;
        },
        async (i) => {
          const res = await go('functape');
          ctx.log(`  ${size} B functape run ${i + 1}: ${Math.round(res.rowsPerSec)} rows/s`);
          return res;
        },
        ctx.log,
      );
      if (r.error) error = r.error;
      runs.push({ size, count, sqlite: r.a, functape: r.b });
      const label = size === 200 ? '200 B' : '4 KB';
      metrics.push(
        metric(
          `rows-per-sec-${size}`,
          `${label} rows/s`,
          'rows/s',
          r.b.map((x) => x.rowsPerSec),
          r.a.map((x) => x.rowsPerSec).slice(0, r.b.length || undefined),
          { target: { kind: 'ratio-min', value: 0.8 }, text: '≥ 0.8× plain insert' },
          error,
        ),
      );
    }
    return {
      id: 4,
      title: this.title,
      baseline: 'plain better-sqlite3 batched insert, same rows',
      metrics,
      runs,
      notes: [],
      ...(error ? { error } : {}),
    };
  },
};
