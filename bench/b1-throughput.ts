import type { Benchmark, BenchContext, BenchResult, Metric } from './lib/benchmark.js';
import { interleave, metric } from './lib/benchmark.js';
import { completeness, countCaptured, startRecord, startRelayOnly } from './lib/record-proxy.js';
import { cpuMs } from './lib/proc.js';
import type { ThroughputResult } from './lib/load-patterns.js';

/**
 * Benchmark 1: messages/s with 1000 in flight on one stream (one echo = one message each
 * way), through `functape record` (capture on) vs the same grpc-js client and echo server
 * connected directly. The client runs in the load agent, the echo server in its own
 * process, the proxy in a third.
 */
export const throughputBenchmark: Benchmark = {
  id: 1,
  title: 'Proxy throughput, capture on (1000 in flight, one stream)',
  async run(ctx: BenchContext): Promise<BenchResult> {
    const agent = await ctx.agent();
    const direct = `127.0.0.1:${agent.serverPort}`;
    const metrics: Metric[] = [];
    const runs: unknown[] = [];
    const notes: string[] = [];
    let error: string | undefined;
    for (const size of [200, 4096]) {
      const count = ctx.quick ? (size === 200 ? 20_000 : 8000) : size === 200 ? 60_000 : 20_000;
      const args = { size, count, inFlight: 1000, warmup: Math.round(count / 10) };
      const proxyCpuUsPerMsg: number[] = [];
      const relayOnly: number[] = [];
      const relayCpuUsPerMsg: number[] = [];
      const r = await interleave(
        ctx.runs,
        async (i) => {
          const res = await agent.throughput(direct, args);
          ctx.log(`  ${size} B direct  run ${i + 1}: ${Math.round(res.msgsPerSec)} msgs/s`);
          return res;
        },
        async (i) => {
          const proxy = await startRecord(ctx.tmp, agent.serverPort);
          let res: ThroughputResult;
          const cpu0 = proxy.cpuMs();
          try {
            res = await agent.throughput(proxy.target, args);
          } finally {
            proxyCpuUsPerMsg.push(((proxy.cpuMs() - cpu0) * 1000) / (args.count * 2));
            await proxy.stop();
          }
          const rec = completeness(`1:${size}B`, res.sent, res.received, countCaptured(proxy.db));
          ctx.completeness.push(rec);
          // Diagnosis: the same relay with capture dropped (what the capture costs).
          // (a failing diagnosis never fails the measurement: its figure is left out)
          try {
            const relay = await startRelayOnly(agent.serverPort);
            try {
              const relayCpu0 = cpuMs(relay.child.pid) ?? NaN;
              relayOnly.push((await agent.throughput(relay.target, args)).msgsPerSec);
              relayCpuUsPerMsg.push(
                (((cpuMs(relay.child.pid) ?? NaN) - relayCpu0) * 1000) / (args.count * 2),
              );
            } finally {
              await relay.stop();
            }
          } catch (err) {
            relayOnly.push(NaN);
            relayCpuUsPerMsg.push(NaN);
            ctx.log(`  diagnosis failed: ${err instanceof Error ? err.message : String(err)}`);
          }
          ctx.log(
            `  ${size} B record  run ${i + 1}: ${Math.round(res.msgsPerSec)} msgs/s, captured ${rec.percent}%; relay without capture ${Math.round(relayOnly.at(-1)!)} msgs/s`,
          );
          return res;
        },
        ctx.log,
      );
      if (r.error) error = r.error;
      runs.push({
        size,
        args,
        direct: r.a,
        record: r.b,
        proxyCpuUsPerMsg,
        relayOnlyMsgsPerSec: relayOnly,
        relayOnlyCpuUsPerMsg: relayCpuUsPerMsg,
      });
      const bad = [...r.a, ...r.b].filter((x) => x.mismatches > 0 || x.status !== 0);
      if (bad.length) notes.push(`${size} B: ${bad.length} run(s) with corrupted echoes or a non-OK status`);
      const target =
        size === 200
          ? { target: { kind: 'ratio-min' as const, value: 1.0 }, text: '≥ 1.0× direct' }
          : { target: { kind: 'ratio-min' as const, value: 0.8 }, text: '≥ 0.8× direct' };
      metrics.push(
        metric(
          `msgs-per-sec-${size}`,
          `${size === 200 ? '200 B' : '4 KB'} msgs/s`,
          'msgs/s',
          r.b.map((x) => x.msgsPerSec),
          r.a.map((x) => x.msgsPerSec).slice(0, r.b.length || undefined),
          target,
          error,
        ),
      );
      metrics.push(
        metric(
          `proxy-cpu-${size}`,
          `${size === 200 ? '200 B' : '4 KB'} proxy CPU per message (all threads)`,
          'µs',
          proxyCpuUsPerMsg,
          undefined,
        ),
      );
      // What the capture costs in CPU is the difference between the two per-message figures.
      metrics.push(
        metric(
          `relay-only-cpu-${size}`,
          `${size === 200 ? '200 B' : '4 KB'} diagnosis: relay CPU per message, capture dropped`,
          'µs',
          relayCpuUsPerMsg.filter((x) => Number.isFinite(x)),
          undefined,
        ),
      );
      metrics.push(
        metric(
          `relay-only-${size}`,
          `${size === 200 ? '200 B' : '4 KB'} diagnosis: relay with capture dropped`,
          'msgs/s',
          relayOnly,
          r.a.map((x) => x.msgsPerSec).slice(0, relayOnly.length || undefined),
        ),
      );
    }
    return {
      id: 1,
      title: this.title,
      baseline: 'grpc-js client ↔ echo server, direct',
      metrics,
      runs,
      notes,
      ...(error ? { error } : {}),
    };
  },
};
