import type { Benchmark, BenchContext, BenchResult } from './lib/benchmark.js';
import { metric } from './lib/benchmark.js';
import { throughputBenchmark } from './b1-throughput.js';
import { latencyBenchmark } from './b2-latency.js';

/**
 * Benchmark 3: in every proxied run of benchmarks 1 and 2, the recording holds exactly the
 * messages forwarded (per direction, no duplicate or missing seq). Counted with plain SQL
 * after `record` exited on SIGTERM. Run alone, it runs quick versions of 1 and 2 first.
 */
export const completenessBenchmark: Benchmark = {
  id: 3,
  title: 'Capture completeness under 1 and 2',
  async run(ctx: BenchContext): Promise<BenchResult> {
    if (ctx.completeness.length === 0) {
      ctx.log('  (benchmarks 1 and 2 did not run: running quick versions for their captures)');
      const quick = { ...ctx, quick: true, runs: 1 };
      await throughputBenchmark.run(quick);
      await latencyBenchmark.run(quick);
    }
    const recs = ctx.completeness;
    const groups = [
      { label: 'under 1 (throughput)', recs: recs.filter((r) => r.benchmark.startsWith('1:')) },
      { label: 'under 2 (latency)', recs: recs.filter((r) => r.benchmark.startsWith('2:')) },
    ];
    const metrics = groups.map((g, i) =>
      metric(
        `captured-${i + 1}`,
        `captured / forwarded ${g.label}`,
        '%',
        g.recs.map((r) => r.percent),
        undefined,
        { target: { kind: 'every', value: 100 }, text: '100%, every run' },
        'no proxied run completed',
      ),
    );
    const forwarded = recs.reduce((a, r) => a + r.forwardedToHost + r.forwardedToWorker, 0);
    return {
      id: 3,
      title: this.title,
      baseline: 'messages forwarded',
      metrics,
      runs: recs,
      notes: [`${recs.length} proxied runs, ${forwarded} messages forwarded in all`],
    };
  },
};
