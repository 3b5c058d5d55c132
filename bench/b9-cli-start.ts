import { join } from 'node:path';
import type { Benchmark, BenchContext, BenchResult } from './lib/benchmark.js';
import { metric } from './lib/benchmark.js';
import { spawnFunctape, spawnNode } from './lib/proc.js';

/** ms from spawn until the child exits (or prints `until`, then it is stopped). */
async function timeStart(start: () => ReturnType<typeof spawnNode>, until?: RegExp): Promise<number> {
  const t0 = performance.now();
  const child = start();
  if (until) {
    await child.waitFor(until, 10_000);
    const ms = performance.now() - t0;
    await child.stop('SIGTERM', 5000);
    return ms;
  }
  const { code } = await child.exited;
  const ms = performance.now() - t0;
  if (code !== 0) throw new Error(`exited ${code}: ${child.stderr().trim().slice(-200)}`);
  return ms;
}

/**
 * Benchmark 9: wall time from spawn to exit for `functape --help`, and to the
 * `listening on` line for `functape record`, vs `node -e ''` (the floor any Node CLI
 * pays), the three interleaved run by run.
 */
export const cliStartBenchmark: Benchmark = {
  id: 9,
  title: 'CLI start',
  async run(ctx: BenchContext): Promise<BenchResult> {
    const runsN = Math.max(ctx.runs, ctx.quick ? 5 : 10);
    const node: number[] = [];
    const help: number[] = [];
    const record: number[] = [];
    let error: string | undefined;
    await timeStart(() => spawnNode(['-e', ''])); // warm the file cache
    for (let i = 0; i < runsN; i += 1) {
      node.push(await timeStart(() => spawnNode(['-e', ''])));
      try {
        help.push(await timeStart(() => spawnFunctape(['--help'])));
        const db = join(ctx.tmp, `b9-${i}.db`);
        record.push(await timeStart(() => spawnFunctape(['record', '--listen', '127.0.0.1:0', '--upstream', '127.0.0.1:9', '--db', db]), /listening on \S+:\d+/));
      } catch (err) {
        error = err instanceof Error ? err.message : String(err);
        break;
      }
    }
    ctx.log(`  node -e '': ${node.map((v) => v.toFixed(0)).join(' ')} ms`);
    ctx.log(`  --help:     ${help.map((v) => v.toFixed(0)).join(' ')} ms`);
    ctx.log(`  record:     ${record.map((v) => v.toFixed(0)).join(' ')} ms`);
    const paired = (xs: number[]) => node.slice(0, xs.length || undefined);
    return {
      id: 9,
      title: this.title,
      baseline: "node -e ''",
      metrics: [
        metric('help-ms', '`functape --help` to exit', 'ms', help, paired(help), { target: { kind: 'max', value: 150 }, text: '≤ 150 ms' }, error),
        metric('record-ms', '`record` to `listening on`', 'ms', record, paired(record), { target: { kind: 'max', value: 300 }, text: '≤ 300 ms' }, error),
      ],
      runs: [{ node, help, record }],
      notes: [`${runsN} runs each`],
      ...(error ? { error } : {}),
    };
  },
};
