import type { Benchmark, BenchContext, BenchResult, Metric } from './lib/benchmark.js';
import { interleave, metric } from './lib/benchmark.js';
import { completeness, countCaptured, startRecord, startRelayOnly } from './lib/record-proxy.js';
import type { LatencyResult } from './lib/load-patterns.js';
import type { LoadAgent } from './lib/load-agent-client.js';
import { storageWriteBytes } from './lib/disk-writes.js';

type Pattern = { name: string; run: (agent: LoadAgent, target: string) => Promise<LatencyResult> };

/**
 * Benchmark 2: the round trip through `functape record` (capture on) vs direct, with one
 * 200 B message in flight (ping-pong) and open-loop at a steady 5k and 10k msgs/s. Round
 * trips are timed from the moment each message was written, into an HDR histogram.
 */
export const latencyBenchmark: Benchmark = {
  id: 2,
  title: 'Added round-trip latency, capture on',
  async run(ctx: BenchContext): Promise<BenchResult> {
    const agent = await ctx.agent();
    const direct = `127.0.0.1:${agent.serverPort}`;
    const seconds = ctx.quick ? 1 : 1.5;
    const patterns: Pattern[] = [
      {
        name: 'ping-pong',
        run: (a, t) =>
          a.pingPong(t, { size: 200, count: ctx.quick ? 3000 : 6000, warmup: ctx.quick ? 1000 : 1500 }),
      },
      {
        name: 'paced 5k/s',
        run: (a, t) => a.paced(t, { size: 200, rate: 5000, seconds, warmupSeconds: 0.5 }),
      },
      {
        name: 'paced 10k/s',
        run: (a, t) => a.paced(t, { size: 200, rate: 10_000, seconds, warmupSeconds: 0.5 }),
      },
    ];
    const metrics: Metric[] = [];
    const runs: unknown[] = [];
    const notes: string[] = [];
    let error: string | undefined;
    for (const p of patterns) {
      const relayOnly: LatencyResult[] = [];
      /** Storage bytes the record process wrote per relayed message (both directions), while recording. */
      const diskBytesPerMsg: number[] = [];
      const r = await interleave(
        ctx.runs,
        async (i) => {
          const res = await p.run(agent, direct);
          ctx.log(
            `  ${p.name} direct run ${i + 1}: p50 ${res.p50Us.toFixed(0)} µs p99 ${res.p99Us.toFixed(0)} µs`,
          );
          return res;
        },
        async (i) => {
          const proxy = await startRecord(ctx.tmp, agent.serverPort);
          let res: LatencyResult;
          const disk0 = storageWriteBytes(proxy.child.pid);
          try {
            res = await p.run(agent, proxy.target);
            const disk1 = storageWriteBytes(proxy.child.pid);
            if (disk0 !== undefined && disk1 !== undefined)
              diskBytesPerMsg.push((disk1 - disk0) / (2 * res.received));
          } finally {
            await proxy.stop();
          }
          const rec = completeness(`2:${p.name}`, res.sent, res.received, countCaptured(proxy.db));
          ctx.completeness.push(rec);
          let diag = '';
          if (p.name === 'ping-pong' || p.name === 'paced 5k/s') {
            // Diagnosis: the same relay with capture dropped.
            // (a failing diagnosis never fails the measurement: its figures are left out)
            try {
              const relay = await startRelayOnly(agent.serverPort);
              try {
                relayOnly.push(await p.run(agent, relay.target));
              } finally {
                await relay.stop();
              }
            } catch (err) {
              relayOnly.push({ p50Us: NaN, p99Us: NaN } as LatencyResult);
              ctx.log(`  diagnosis failed: ${err instanceof Error ? err.message : String(err)}`);
            }
            diag = `; relay without capture p50 ${relayOnly.at(-1)!.p50Us.toFixed(0)} µs p99 ${relayOnly.at(-1)!.p99Us.toFixed(0)} µs`;
          }
          ctx.log(
            `  ${p.name} record run ${i + 1}: p50 ${res.p50Us.toFixed(0)} µs p99 ${res.p99Us.toFixed(0)} µs, captured ${rec.percent}%${diag}`,
          );
          return res;
        },
        ctx.log,
      );
      if (r.error) error = r.error;
      runs.push({
        pattern: p.name,
        direct: r.a,
        record: r.b,
        diskBytesPerMsg,
        ...(relayOnly.length ? { relayWithoutCapture: relayOnly } : {}),
      });
      const bad = [...r.a, ...r.b].filter((x) => x.mismatches > 0 || x.status !== 0);
      if (bad.length) notes.push(`${p.name}: ${bad.length} run(s) with corrupted echoes or a non-OK status`);
      const base = r.a.slice(0, r.b.length || undefined);
      if (p.name === 'ping-pong') {
        metrics.push(
          metric(
            'pingpong-p50',
            'ping-pong p50',
            'µs',
            r.b.map((x) => x.p50Us),
            base.map((x) => x.p50Us),
            { target: { kind: 'delta-max', value: 60 }, text: '≤ +60 µs' },
            error,
          ),
        );
        metrics.push(
          metric(
            'pingpong-p99',
            'ping-pong p99',
            'µs',
            r.b.map((x) => x.p99Us),
            base.map((x) => x.p99Us),
            { target: { kind: 'delta-max', value: 200 }, text: '≤ +200 µs' },
            error,
          ),
        );
        const rb = r.a.slice(0, relayOnly.length || undefined);
        metrics.push({
          ...metric(
            'relay-only-pingpong-p50',
            'diagnosis: ping-pong p50, relay with capture dropped',
            'µs',
            relayOnly.map((x) => x.p50Us),
            rb.map((x) => x.p50Us),
          ),
          compare: 'delta',
        });
        metrics.push({
          ...metric(
            'relay-only-pingpong-p99',
            'diagnosis: ping-pong p99, relay with capture dropped',
            'µs',
            relayOnly.map((x) => x.p99Us),
            rb.map((x) => x.p99Us),
          ),
          compare: 'delta',
        });
      } else {
        const key = p.name.replace(/\D/g, '');
        metrics.push(
          metric(
            `paced-${key}k-p99`,
            `${p.name} p99`,
            'µs',
            r.b.map((x) => x.p99Us),
            base.map((x) => x.p99Us),
            { target: { kind: 'ratio-max', value: 2 }, text: '≤ 2× direct' },
            error,
          ),
        );
        metrics.push(
          metric(
            `paced-${key}k-p50`,
            `${p.name} p50`,
            'µs',
            r.b.map((x) => x.p50Us),
            base.map((x) => x.p50Us),
          ),
        );
        // What recording costs the disk at a steady rate: SQLite's WAL appends (each 20 ms
        // commit rewrites the last pages it touched) and checkpoints, per 200 B message.
        if (diskBytesPerMsg.length)
          metrics.push(
            metric(
              `disk-bytes-${key}k`,
              `diagnosis: ${p.name} bytes written to disk per message`,
              'B',
              diskBytesPerMsg,
              undefined,
            ),
          );
        if (relayOnly.length) {
          const rb = r.a.slice(0, relayOnly.length);
          metrics.push({
            ...metric(
              `relay-only-paced-${key}k-p50`,
              `diagnosis: ${p.name} p50, relay with capture dropped`,
              'µs',
              relayOnly.map((x) => x.p50Us),
              rb.map((x) => x.p50Us),
            ),
            compare: 'ratio',
          });
          metrics.push({
            ...metric(
              `relay-only-paced-${key}k-p99`,
              `diagnosis: ${p.name} p99, relay with capture dropped`,
              'µs',
              relayOnly.map((x) => x.p99Us),
              rb.map((x) => x.p99Us),
            ),
            compare: 'ratio',
          });
        }
      }
    }
    return {
      id: 2,
      title: this.title,
      baseline: 'the same pattern, direct',
      metrics,
      runs,
      notes,
      ...(error ? { error } : {}),
    };
  },
};
