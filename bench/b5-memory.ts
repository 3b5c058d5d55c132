import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Benchmark, BenchContext, BenchResult } from './lib/benchmark.js';
import { metric } from './lib/benchmark.js';
import { completeness, countCaptured, startRecord } from './lib/record-proxy.js';
import { sampleRss, type Sample } from './lib/proc.js';
import { summarize } from './lib/stats.js';

/** Where benchmark 5 leaves its last 1M-message recording for benchmark 8 (in ctx.tmp). */
export const MILLION_DB = 'million.db';

/**
 * RSS growth over a run: median of the last quarter of samples minus the median of the
 * second quarter (after start-up and warm-up). Near 0 when memory is flat.
 */
export function rssGrowthMB(samples: readonly Sample[]): number {
  const n = samples.length;
  if (n < 8) return NaN;
  const q = (a: number, b: number) =>
    summarize(samples.slice(Math.floor(n * a), Math.floor(n * b)).map((s) => s.rssMB)).median;
  return q(0.75, 1) - q(0.25, 0.5);
}

/**
 * Benchmark 5: `functape record`'s memory while it relays and records 1M messages (500k
 * 200 B echoes, 1000 in flight) as fast as the load agent can push them. Peak RSS comes from
 * the process's own rusage (all threads, shutdown flush included); RSS is also sampled
 * every 250 ms to see whether it grows over the run.
 */
export const memoryBenchmark: Benchmark = {
  id: 5,
  title: 'Proxy memory recording 1M messages at full rate',
  async run(ctx: BenchContext): Promise<BenchResult> {
    const agent = await ctx.agent();
    const echoes = ctx.quick ? 100_000 : 500_000;
    const runsN = ctx.quick ? 1 : ctx.runs;
    const peak: number[] = [];
    const growth: number[] = [];
    const rate: number[] = [];
    const runs: unknown[] = [];
    let error: string | undefined;
    for (let i = 0; i < runsN; i += 1) {
      try {
        const proxy = await startRecord(ctx.tmp, agent.serverPort);
        const sampler = sampleRss(proxy.child.pid, 250);
        let res;
        let samples: Sample[] = [];
        let stopped: Awaited<ReturnType<typeof proxy.stop>>;
        try {
          res = await agent.throughput(proxy.target, {
            size: 200,
            count: echoes,
            inFlight: 1000,
            warmup: Math.round(echoes / 20),
          });
        } finally {
          samples = sampler.stop();
          stopped = await proxy.stop();
        }
        const rec = completeness('5:1M', res.sent, res.received, countCaptured(proxy.db));
        const p = stopped.report?.maxRssMB ?? Math.max(...samples.map((s) => s.rssMB));
        peak.push(p);
        growth.push(rssGrowthMB(samples));
        rate.push(res.msgsPerSec * 2);
        runs.push({
          echoes,
          messages: res.sent + res.received,
          msgsPerSec: res.msgsPerSec * 2,
          peakRssMB: p,
          growthMB: growth.at(-1),
          captured: rec,
          samples,
          exit: stopped,
        });
        ctx.log(
          `  run ${i + 1}: ${res.sent + res.received} messages at ${Math.round(res.msgsPerSec * 2)} msgs/s, peak RSS ${p.toFixed(0)} MB, growth ${growth.at(-1)!.toFixed(1)} MB, captured ${rec.percent}%`,
        );
        if (i === runsN - 1) {
          copyFileSync(proxy.db, join(ctx.tmp, MILLION_DB));
          if (existsSync(`${proxy.db}-wal`))
            copyFileSync(`${proxy.db}-wal`, join(ctx.tmp, `${MILLION_DB}-wal`));
        }
      } catch (err) {
        error = err instanceof Error ? err.message : String(err);
        ctx.log(`  failed: ${error}`);
        break;
      }
    }
    return {
      id: 5,
      title: this.title,
      metrics: [
        metric(
          'peak-rss',
          'peak RSS',
          'MB',
          peak,
          undefined,
          { target: { kind: 'max', value: 150 }, text: '≤ 150 MB' },
          error,
        ),
        metric(
          'rss-growth',
          'RSS growth, last vs 2nd quarter of the run',
          'MB',
          growth,
          undefined,
          { target: { kind: 'max', value: 10 }, text: 'flat (≤ 10 MB)' },
          error,
        ),
        metric('rate', 'messages/s relayed (both ways)', 'msgs/s', rate, undefined),
      ],
      runs,
      notes: [`${runsN} run(s) of ${echoes * 2} messages (${echoes} echoes of 200 B)`],
      ...(error ? { error } : {}),
    };
  },
};
