import { createReadStream, existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Benchmark, BenchContext, BenchResult, Metric } from './lib/benchmark.js';
import { metric } from './lib/benchmark.js';
import { sampleRss, spawnFunctape } from './lib/proc.js';
import { runChildScript } from './lib/run-child.js';
import { countCaptured } from './lib/record-proxy.js';
import { MILLION_DB, rssGrowthMB } from './b5-memory.js';

async function countLines(file: string): Promise<number> {
  let n = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    let i = -1;
    while ((i = chunk.indexOf(10, i + 1)) !== -1) n += 1;
  }
  return n;
}

/**
 * Benchmark 8: `functape show` (text timeline) and `functape export` (NDJSON) over a
 * 1M-message session, output to a file: messages/s over the whole command (start-up
 * included), peak RSS, and RSS growth during the run. Every run's output is checked to hold
 * a line per message. Uses benchmark 5's recording when it ran, else writes one through
 * the capture store.
 */
export const showExportBenchmark: Benchmark = {
  id: 8,
  title: '`show` / `export` of a 1M-message session',
  async run(ctx: BenchContext): Promise<BenchResult> {
    let db = join(ctx.tmp, MILLION_DB);
    if (!existsSync(db)) {
      db = join(ctx.tmp, 'b8.db');
      const n = ctx.quick ? 200_000 : 1_000_000;
      ctx.log(`  writing a ${n}-message recording through the capture store`);
      await runChildScript('store-child.js', ['functape', '200', String(n), db]);
    }
    const captured = countCaptured(db);
    const messages = captured.toHost + captured.toWorker;
    ctx.log(
      `  recording: ${messages} messages in ${captured.sessions} session(s), ${(statSync(db).size / 2 ** 20).toFixed(0)} MB`,
    );
    const metrics: Metric[] = [];
    const runs: unknown[] = [];
    const notes: string[] = [];
    let error: string | undefined;
    const commands = [
      { name: 'show', args: ['show', '--db', db] },
      { name: 'export', args: ['export', '--db', db] },
    ];
    const figures = new Map(
      commands.map((c) => [c.name, { rate: [] as number[], peak: [] as number[], growth: [] as number[] }]),
    );
    const runsN = ctx.runs;
    for (let i = 0; i < runsN && !error; i += 1) {
      for (const c of commands) {
        const out = join(ctx.tmp, `b8-${c.name}.out`);
        const t0 = performance.now();
        const child = spawnFunctape(c.args, {
          measure: join(ctx.tmp, `b8-${c.name}.exit.json`),
          stdoutFile: out,
        });
        const sampler = sampleRss(child.pid, 100);
        const { code } = await child.exited;
        const seconds = (performance.now() - t0) / 1000;
        const samples = sampler.stop();
        if (code !== 0) {
          error = `${c.name} exited ${code}: ${child.stderr().trim().slice(-200)}`;
          break;
        }
        const lines = await countLines(out);
        const bytes = statSync(out).size;
        rmSync(out);
        if (lines < messages) notes.push(`${c.name} run ${i + 1}: ${lines} lines for ${messages} messages`);
        const f = figures.get(c.name)!;
        const peak = child.exitReport()?.maxRssMB ?? Math.max(...samples.map((s) => s.rssMB));
        f.rate.push(messages / seconds);
        f.peak.push(peak);
        f.growth.push(rssGrowthMB(samples));
        runs.push({
          command: c.name,
          run: i + 1,
          messages,
          seconds,
          lines,
          outputMB: bytes / 2 ** 20,
          peakRssMB: peak,
          samples,
        });
        ctx.log(
          `  ${c.name} run ${i + 1}: ${Math.round(messages / seconds)} msgs/s, ${lines} lines, peak RSS ${peak.toFixed(0)} MB`,
        );
      }
    }
    for (const c of commands) {
      const f = figures.get(c.name)!;
      metrics.push(
        metric(
          `${c.name}-rate`,
          `${c.name} msgs/s`,
          'msgs/s',
          f.rate,
          undefined,
          { target: { kind: 'min', value: 200_000 }, text: '≥ 200k msgs/s' },
          error,
        ),
      );
      metrics.push(
        metric(`${c.name}-peak-rss`, `${c.name} peak RSS`, 'MB', f.peak, undefined, undefined, error),
      );
      metrics.push(
        metric(
          `${c.name}-rss-growth`,
          `${c.name} RSS growth`,
          'MB',
          f.growth,
          undefined,
          { target: { kind: 'max', value: 10 }, text: 'flat (≤ 10 MB)' },
          error,
        ),
      );
    }
    notes.push(
      `${runsN} runs of each command over ${messages} messages; output written to a file; time includes process start-up`,
    );
    return { id: 8, title: this.title, metrics, runs, notes, ...(error ? { error } : {}) };
  },
};
