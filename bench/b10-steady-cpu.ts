import type { Benchmark, BenchContext, BenchResult, Metric } from './lib/benchmark.js';
import { interleave, metric } from './lib/benchmark.js';
import { pacedCpu, type SteadyRun } from './lib/cpu-window.js';
import {
  completeness,
  countCaptured,
  startRecord,
  startRelayOnly,
  startTcpPipe,
} from './lib/record-proxy.js';

/**
 * Paced traffic before the CPU window opens, per rate. A fresh `record` compiles its code
 * twice (the relay's isolate and the writer thread's), and V8 optimises a function after
 * enough calls, so at 1,000/s the window must open later than at 5,000/s to measure the
 * steady state rather than the start: per 1-s slice of 10-s runs (3 alternated pairs),
 * `record`'s CPU per message at 1,000/s was 2.2× the relay's in second 1, 1.03-1.48× in
 * seconds 2-4 and 0.85-1.28× from second 5 on; at 5,000/s it was steady from second 3.
 */
const WARMUP_1K_SECONDS = 4;
const WARMUP_5K_SECONDS = 2;

/**
 * Benchmark 10: CPU per relayed message at the steady rates a worker stream really carries
 * (1,000 and 5,000 echoes/s of a valid 200 B StreamingMessage, open loop), for `functape
 * record` (capture on), for the same relay with capture dropped, and for the grpc-js echo
 * server at the other end (the yardstick: what a grpc-js endpoint spends per message), and
 * for a plain TCP pipe (the floor any relay written in Node stands on).
 */
export const steadyCpuBenchmark: Benchmark = {
  id: 10,
  title: 'Capture CPU at steady rates (200 B echoes, open loop)',
  async run(ctx: BenchContext): Promise<BenchResult> {
    const agent = await ctx.agent();
    const direct = `127.0.0.1:${agent.serverPort}`;
    const metrics: Metric[] = [];
    const runs: unknown[] = [];
    const notes: string[] = [];
    let error: string | undefined;
    for (const rate of [1000, 5000]) {
      const seconds = ctx.quick ? 1.5 : rate === 1000 ? 3 : 2;
      const warmup = ctx.quick ? 0.7 : rate === 1000 ? WARMUP_1K_SECONDS : WARMUP_5K_SECONDS;
      const relayOnly: SteadyRun[] = [];
      const tcpPipe: SteadyRun[] = [];
      const r = await interleave(
        ctx.runs,
        async (i) => {
          const res = await pacedCpu(agent, direct, agent.serverPid, rate, seconds, warmup);
          ctx.log(
            `  ${rate}/s grpc-js echo server run ${i + 1}: ${res.cpuUsPerMsg.toFixed(1)} µs CPU per message`,
          );
          return res;
        },
        async (i) => {
          const proxy = await startRecord(ctx.tmp, agent.serverPort);
          let res: SteadyRun;
          try {
            res = await pacedCpu(agent, proxy.target, proxy.child.pid, rate, seconds, warmup);
          } finally {
            await proxy.stop();
          }
          const rec = completeness(
            `10:${rate}/s`,
            res.result.sent,
            res.result.received,
            countCaptured(proxy.db),
          );
          ctx.completeness.push(rec);
          const diagnose = async (start: typeof startRelayOnly, into: SteadyRun[]): Promise<void> => {
            try {
              const relay = await start(agent.serverPort);
              try {
                into.push(await pacedCpu(agent, relay.target, relay.child.pid, rate, seconds, warmup));
              } finally {
                await relay.stop();
              }
            } catch (err) {
              ctx.log(`  diagnosis failed: ${err instanceof Error ? err.message : String(err)}`);
            }
          };
          await diagnose(startRelayOnly, relayOnly);
          await diagnose(startTcpPipe, tcpPipe);
          ctx.log(
            `  ${rate}/s record run ${i + 1}: ${res.cpuUsPerMsg.toFixed(1)} µs CPU per message, captured ${rec.percent}%; relay without capture ${relayOnly.at(-1)?.cpuUsPerMsg.toFixed(1)} µs; plain TCP pipe ${tcpPipe.at(-1)?.cpuUsPerMsg.toFixed(1)} µs`,
          );
          return res;
        },
        ctx.log,
      );
      if (r.error) error = r.error;
      runs.push({ rate, seconds, warmupSeconds: warmup, echoServer: r.a, record: r.b, relayOnly, tcpPipe });
      const bad = [...r.a, ...r.b].filter((x) => x.result.mismatches > 0 || x.result.status !== 0);
      if (bad.length) notes.push(`${rate}/s: ${bad.length} run(s) with corrupted echoes or a non-OK status`);
      const k = `${rate / 1000}k`;
      const record = r.b.map((x) => x.cpuUsPerMsg);
      const echo = r.a.map((x) => x.cpuUsPerMsg).slice(0, record.length || undefined);
      const relay = relayOnly.map((x) => x.cpuUsPerMsg);
      metrics.push(
        metric(
          `steady-${k}-cpu`,
          `${rate.toLocaleString('en')}/s: \`record\` CPU per message (baseline: grpc-js echo server)`,
          'µs',
          record,
          echo,
          { target: { kind: 'ratio-max', value: 1 }, text: '≤ 1.0× grpc-js' },
          error,
        ),
      );
      if (relay.length === record.length) {
        metrics.push(
          metric(
            `steady-${k}-vs-relay`,
            `${rate.toLocaleString('en')}/s: \`record\` CPU per message (baseline: relay with capture dropped)`,
            'µs',
            record,
            relay,
            { target: { kind: 'ratio-max', value: 1.2 }, text: '≤ 1.2× relay' },
            error,
          ),
        );
      }
      metrics.push(
        metric(
          `steady-${k}-relay-cpu`,
          `${rate.toLocaleString('en')}/s diagnosis: relay CPU per message, capture dropped (baseline: grpc-js echo server)`,
          'µs',
          relay,
          echo.slice(0, relay.length || undefined),
        ),
        metric(
          `steady-${k}-pipe-cpu`,
          `${rate.toLocaleString('en')}/s floor: plain TCP pipe (node:net, no HTTP/2, no capture) CPU per message (baseline: grpc-js echo server)`,
          'µs',
          tcpPipe.map((x) => x.cpuUsPerMsg),
          echo.slice(0, tcpPipe.length || undefined),
        ),
      );
    }
    notes.push(
      '10: CPU per message = process CPU (all threads, /proc) over the steady window ÷ messages relayed (proxy) or read + written (echo server)',
    );
    return {
      id: 10,
      title: this.title,
      baseline: 'grpc-js echo server (the other end)',
      metrics,
      runs,
      notes,
      ...(error ? { error } : {}),
    };
  },
};
