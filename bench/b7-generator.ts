import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Benchmark, BenchContext, BenchResult } from './lib/benchmark.js';
import { interleave, metric } from './lib/benchmark.js';
import { FUNCTAPE_BIN, cpuMs, spawnFunctape } from './lib/proc.js';

const NODE = process.execPath;
const workerCommand = `${NODE} ${FUNCTAPE_BIN} worker`;

/** Record a session of `noop` invocations: functape host → wrap (recording) → functape worker. */
async function recordNoopSession(db: string): Promise<void> {
  const child = spawnFunctape(['host', '--worker', `${NODE} ${FUNCTAPE_BIN} wrap --db ${db} -- ${workerCommand}`, '-f', 'noop', '-n', '200', '-c', '8']);
  const { code } = await child.exited;
  if (code !== 0) throw new Error(`recording the noop session failed (${code}): ${child.stderr().trim().slice(-300)}`);
}

interface GeneratorRun {
  invocationsPerSec: number;
  /** CPU of the bench process per invocation, from /proc over the steady middle of the run. */
  cpuUsPerInvocation: number;
  /** What functape bench itself reports (its own rusage). */
  reportedCpuUsPerInvocation: number;
  p50Us: number;
  p99Us: number;
  errors: number;
}

/**
 * Benchmark 7: `functape bench` driving the reference worker's `noop` (closed loop, many
 * in flight, one worker process) vs a minimal grpc-js echo pair in the same run (the load
 * agent's client and the echo server process, 200 B, 1000 in flight). Generator CPU per invocation is the
 * slope of the bench process's CPU time (from /proc, sampled every 200 ms) over the measured
 * window the report gives (less its first 500 ms), divided by its throughput.
 */
export const generatorBenchmark: Benchmark = {
  id: 7,
  title: '`functape bench` against the reference worker\'s `noop`',
  async run(ctx: BenchContext): Promise<BenchResult> {
    const agent = await ctx.agent();
    const db = join(ctx.tmp, 'noop.db');
    await recordNoopSession(db);
    const seconds = ctx.quick ? 2 : 4;
    const concurrency = 128;
    let n = 0;
    const r = await interleave(
      ctx.runs,
      async (i) => {
        const res = await agent.throughput(`127.0.0.1:${agent.serverPort}`, { size: 200, count: ctx.quick ? 20_000 : 60_000, inFlight: 1000, warmup: 5000 });
        const cpuUsPerEcho = (res.loadCpuMs * 1000) / res.received;
        ctx.log(`  grpc-js echo run ${i + 1}: ${Math.round(res.msgsPerSec)} echoes/s, ${cpuUsPerEcho.toFixed(1)} µs client CPU per echo`);
        return { ...res, cpuUsPerEcho };
      },
      async (i) => {
        n += 1;
        const json = join(ctx.tmp, `b7-${n}.json`);
        const child = spawnFunctape(['bench', '--db', db, '--worker', workerCommand, '-c', String(concurrency), '-d', `${seconds}s`, '--warmup', '1s', '--json', json, '--progress', 'false']);
        const samples: Array<{ t: number; cpu: number }> = [];
        const timer = setInterval(() => {
          const c = cpuMs(child.pid);
          if (c !== undefined) samples.push({ t: Date.now(), cpu: c });
        }, 200);
        const { code } = await child.exited;
        clearInterval(timer);
        if (code !== 0) throw new Error(`functape bench exited ${code}: ${child.stderr().trim().slice(-300)}`);
        const report = JSON.parse(readFileSync(json, 'utf8'));
        // The measured window (from the report), minus its first 500 ms and last 250 ms.
        const start = Date.parse(report.startedAt) + 500;
        const stop = Date.parse(report.startedAt) + report.durationMs - 250;
        const inWindow = samples.filter((s) => s.t >= start && s.t <= stop);
        if (inWindow.length < 2) throw new Error('too few CPU samples inside the measured window');
        const from = inWindow[0]!;
        const end = inWindow.at(-1)!;
        const thr = report.overall.throughput as number;
        const run: GeneratorRun = {
          invocationsPerSec: thr,
          cpuUsPerInvocation: ((end.cpu - from.cpu) * 1000) / ((end.t - from.t) / 1000) / thr,
          reportedCpuUsPerInvocation: report.generator?.cpuUsPerInvocation ?? NaN,
          p50Us: report.overall.latency.p50Us,
          p99Us: report.overall.latency.p99Us,
          errors: report.overall.errors,
        };
        ctx.log(`  functape bench run ${i + 1}: ${Math.round(thr)} invocations/s, ${run.cpuUsPerInvocation.toFixed(1)} µs CPU/invocation (/proc; it reports ${run.reportedCpuUsPerInvocation})`);
        return run;
      },
      ctx.log,
    );
    const base = r.a.slice(0, r.b.length || undefined);
    return {
      id: 7,
      title: this.title,
      baseline: 'minimal grpc-js echo pair (msgs/s)',
      metrics: [
        metric('invocations-per-sec', 'invocations/s (baseline: echoes/s)', 'inv/s', r.b.map((x) => x.invocationsPerSec), base.map((x) => x.msgsPerSec), { target: { kind: 'min', value: 15_000 }, text: '≥ 15k/s' }, r.error),
        metric('cpu-per-invocation', 'generator CPU per invocation (baseline: grpc-js client per echo)', 'µs', r.b.map((x) => x.cpuUsPerInvocation), base.map((x) => x.cpuUsPerEcho), { target: { kind: 'max', value: 15 }, text: '≤ 15 µs' }, r.error),
        metric('reported-cpu', 'generator CPU per invocation, as bench reports it', 'µs', r.b.map((x) => x.reportedCpuUsPerInvocation), undefined),
        metric('latency-p99', `invocation latency p99 at ${concurrency} in flight`, 'µs', r.b.map((x) => x.p99Us), undefined),
      ],
      runs: [{ concurrency, seconds, echo: r.a, bench: r.b }],
      notes: [`closed loop, ${concurrency} in flight, ${seconds} s after 1 s warmup, one worker process`],
      ...(r.error ? { error: r.error } : {}),
    };
  },
};
