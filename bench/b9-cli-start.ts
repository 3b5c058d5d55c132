import { spawn } from 'node:child_process';
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

/** A worker that only says it started (`sh`: its own start is ~1 ms), with host arguments appended as a host does. */
const WORKER = [
  'sh',
  '-c',
  'echo started',
  'sh',
  '--host',
  '127.0.0.1',
  '--port',
  '9',
  '--workerId',
  'w',
  '--requestId',
  'r',
];

/** ms from spawning WORKER directly until it prints `started`. */
function timeWorkerDirect(): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(WORKER[0]!, WORKER.slice(1), { stdio: ['ignore', 'pipe', 'ignore'] });
    let ms: number | undefined;
    child.stdout.on('data', (d: Buffer) => {
      if (ms === undefined && d.toString().includes('started')) ms = performance.now() - t0;
    });
    child.once('error', reject);
    child.once('close', () =>
      ms === undefined ? reject(new Error('the worker printed nothing')) : resolve(ms),
    );
  });
}

/**
 * Benchmark 9: wall time from spawn to exit for `functape --help`, and to the
 * `listening on` line for `functape record`, vs `node -e ''` (the floor any Node CLI
 * pays); and the time until a worker process started under `functape wrap` runs (it
 * prints `started`), vs the same worker started directly; all interleaved run by run.
 */
export const cliStartBenchmark: Benchmark = {
  id: 9,
  title: 'CLI start',
  async run(ctx: BenchContext): Promise<BenchResult> {
    const runsN = Math.max(ctx.runs, ctx.quick ? 5 : 10);
    const node: number[] = [];
    const help: number[] = [];
    const record: number[] = [];
    const direct: number[] = [];
    const wrap: number[] = [];
    let error: string | undefined;
    await timeStart(() => spawnNode(['-e', ''])); // warm the file cache
    for (let i = 0; i < runsN; i += 1) {
      node.push(await timeStart(() => spawnNode(['-e', ''])));
      try {
        help.push(await timeStart(() => spawnFunctape(['--help'])));
        const db = join(ctx.tmp, `b9-${i}.db`);
        record.push(
          await timeStart(
            () =>
              spawnFunctape(['record', '--listen', '127.0.0.1:0', '--upstream', '127.0.0.1:9', '--db', db]),
            /listening on \S+:\d+/,
          ),
        );
        direct.push(await timeWorkerDirect());
        const wrapDb = join(ctx.tmp, `b9-wrap-${i}.db`);
        wrap.push(
          await timeStart(
            () => spawnFunctape(['wrap', '--db', wrapDb, '--quiet', '--', ...WORKER]),
            /^started$/m,
          ),
        );
      } catch (err) {
        error = err instanceof Error ? err.message : String(err);
        break;
      }
    }
    ctx.log(`  node -e '': ${node.map((v) => v.toFixed(0)).join(' ')} ms`);
    ctx.log(`  --help:     ${help.map((v) => v.toFixed(0)).join(' ')} ms`);
    ctx.log(`  record:     ${record.map((v) => v.toFixed(0)).join(' ')} ms`);
    ctx.log(
      `  worker:     ${direct.map((v) => v.toFixed(0)).join(' ')} ms direct, ${wrap.map((v) => v.toFixed(0)).join(' ')} ms under wrap`,
    );
    const paired = (xs: number[]) => node.slice(0, xs.length || undefined);
    return {
      id: 9,
      title: this.title,
      baseline: "node -e ''",
      metrics: [
        metric(
          'help-ms',
          '`functape --help` to exit',
          'ms',
          help,
          paired(help),
          { target: { kind: 'max', value: 150 }, text: '≤ 150 ms' },
          error,
        ),
        metric(
          'record-ms',
          '`record` to `listening on`',
          'ms',
          record,
          paired(record),
          { target: { kind: 'max', value: 300 }, text: '≤ 300 ms' },
          error,
        ),
        {
          ...metric(
            'wrap-worker-start-ms',
            'spawn to worker started: under `wrap` (baseline: the worker alone)',
            'ms',
            wrap,
            direct.slice(0, wrap.length || undefined),
            { target: { kind: 'delta-max', value: 100 }, text: '≤ +100 ms' },
            error,
          ),
          compare: 'delta',
        },
      ],
      runs: [{ node, help, record, workerDirect: direct, workerUnderWrap: wrap }],
      notes: [`${runsN} runs each`],
      ...(error ? { error } : {}),
    };
  },
};
