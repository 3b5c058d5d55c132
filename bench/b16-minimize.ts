import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Benchmark, BenchContext, BenchResult } from './lib/benchmark.js';
import { metric } from './lib/benchmark.js';
import { FUNCTAPE_BIN, spawnFunctape } from './lib/proc.js';

const WORKER = `"${process.execPath}" "${FUNCTAPE_BIN}" worker`;

/** Run a functape command to its end; throws with its stderr tail on a non-zero exit. */
async function functape(args: string[]): Promise<void> {
  const child = spawnFunctape(args);
  const { code } = await child.exited;
  if (code !== 0) throw new Error(`functape ${args[0]} exited ${code}: ${child.stderr().trim().slice(-300)}`);
}

/**
 * Benchmark 16: `functape minimize` on a recording of 2,000 invocations (hello, echo, fail,
 * log; scripted host → wrap → reference worker) replayed against `functape worker --bug
 * state`: runs, wall time and replays/s with `--jobs 1` and with `--jobs` cores − 1 (at
 * least 2, so a 2-core machine still compares one lane with two). One search per side and
 * run (each is dozens of replays, every one starting a worker process).
 */
export const minimizeBenchmark: Benchmark = {
  id: 16,
  title: 'minimize: 2,000-invocation state-bug recording',
  async run(ctx: BenchContext): Promise<BenchResult> {
    const db = join(ctx.tmp, 'minimize-source.db');
    const n = ctx.quick ? 500 : 2000;
    await functape([
      ...['host', '--worker', `"${process.execPath}" "${FUNCTAPE_BIN}" wrap --db ${db} -- ${WORKER}`],
      ...['-n', String(n), '-c', '4', '-f', 'hello,echo,fail,log'],
    ]);
    const parallel = Math.max(2, availableParallelism() - 1);
    type Search = { runs: number; ms: number; kept: number };
    const sides: Record<'one' | 'many', Search[]> = { one: [], many: [] };
    const runs = ctx.quick ? 1 : Math.min(ctx.runs, 2);
    for (let r = 0; r < runs; r++) {
      for (const [key, jobs] of [
        ['one', 1],
        ['many', parallel],
      ] as const) {
        const out = join(ctx.tmp, `min-${key}-${r}.db`);
        const json = join(ctx.tmp, `min-${key}-${r}.json`);
        await functape([
          ...['minimize', '--db', db, '--worker', `${WORKER} --bug state`, '--out', out, '--json', json],
          ...['--pace', 'fast', '--in-order', '--jobs', String(jobs)],
        ]);
        const rep = JSON.parse(readFileSync(json, 'utf8'));
        sides[key].push({ runs: rep.runs, ms: rep.durationMs, kept: rep.units.after });
        ctx.log(
          `  --jobs ${jobs}: ${rep.runs} runs in ${(rep.durationMs / 1000).toFixed(1)} s, ${rep.units.after} units kept`,
        );
      }
    }
    const of = (k: 'one' | 'many', f: (x: { runs: number; ms: number }) => number) => sides[k].map(f);
    const rate = (x: { runs: number; ms: number }) => (x.runs * 1000) / x.ms;
    return {
      id: 16,
      title: this.title,
      baseline: '--jobs 1',
      metrics: [
        metric(
          'runs',
          `replays run (baseline --jobs 1, functape --jobs ${parallel})`,
          '',
          of('many', (x) => x.runs),
          of('one', (x) => x.runs),
        ),
        metric(
          'wall',
          'wall time of the search',
          's',
          of('many', (x) => x.ms / 1000),
          of('one', (x) => x.ms / 1000),
        ),
        metric('rate', 'replays per second', '/s', of('many', rate), of('one', rate)),
      ],
      runs: [sides],
      notes: [
        `${n} invocations; units kept: ${[...sides.one, ...sides.many].map((x) => x.kept).join(', ')} (2 expected: a fail, then a hello)`,
      ],
    };
  },
};
