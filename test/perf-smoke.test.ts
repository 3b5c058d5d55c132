// CI-safe smoke of performance benchmarks 1–3 (issue 5) with small counts: the load
// patterns the benchmarks use run directly and through a real `functape record` process,
// and every message must arrive intact and be captured exactly once, in order, byte for
// byte. Asserts completeness and correctness only, never speed (`npm run bench` measures).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startEchoServer, type RawServer } from '../bench/lib/raw-grpc.js';
import { runPaced, runPingPong, runThroughput, type StreamTally } from '../bench/lib/load-patterns.js';
import { completeness, countCaptured, startRecord, type RecordProxy } from '../bench/lib/record-proxy.js';

let server: RawServer;
let tmp: string;
let proxy: RecordProxy | undefined;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'functape-perf-smoke-'));
  server = await startEchoServer();
});

after(async () => {
  await proxy?.child.stop('SIGKILL', 2000);
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

function assertClean(r: StreamTally, expected: number, what: string): void {
  assert.equal(r.sent, expected, `${what}: messages sent`);
  assert.equal(r.received, expected, `${what}: echoes received`);
  assert.equal(r.mismatches, 0, `${what}: every echo has the bytes that were sent at its position`);
  assert.equal(r.status, 0, `${what}: the call ends OK`);
}

test('the benchmark load patterns work on a direct grpc-js link', { timeout: 30_000 }, async () => {
  const direct = `127.0.0.1:${server.port}`;
  assertClean(
    await runThroughput(direct, { size: 200, count: 2000, inFlight: 200, warmup: 200 }),
    2000,
    'throughput',
  );
  const ping = await runPingPong(direct, { size: 200, count: 200, warmup: 50 });
  assertClean(ping, 250, 'ping-pong');
  assert.ok(ping.p50Us > 0 && ping.p99Us >= ping.p50Us, 'latency percentiles are recorded');
});

test('benchmarks 1–3 patterns through one `functape record`: every message forwarded, captured once, byte for byte', {
  timeout: 60_000,
}, async () => {
  proxy = await startRecord(tmp, server.port);
  const t = proxy.target;
  // One stream (= one session) per pattern, in this order.
  const streams: Array<{ what: string; result: StreamTally & { messages?: Buffer[] }; expected: number }> =
    [];
  streams.push({
    what: '200 B, 200 in flight',
    result: await runThroughput(t, { size: 200, count: 2000, inFlight: 200, warmup: 200, collect: true }),
    expected: 2000,
  });
  streams.push({
    what: '4 KB, 100 in flight',
    result: await runThroughput(t, { size: 4096, count: 500, inFlight: 100, warmup: 50 }),
    expected: 500,
  });
  streams.push({
    what: 'ping-pong',
    result: await runPingPong(t, { size: 200, count: 200, warmup: 50 }),
    expected: 250,
  });
  streams.push({
    what: 'paced 1000/s',
    result: await runPaced(t, { size: 200, rate: 1000, seconds: 0.3, warmupSeconds: 0.1 }),
    expected: 400,
  });
  for (const s of streams) assertClean(s.result, s.expected, s.what);

  const { code } = await proxy.stop();
  assert.equal(code, 0, `record exits 0 on SIGTERM (stderr: ${proxy.child.stderr().slice(-300)})`);
  const totalSent = streams.reduce((a, s) => a + s.result.sent, 0);
  const totalReceived = streams.reduce((a, s) => a + s.result.received, 0);
  const rec = completeness('smoke', totalSent, totalReceived, countCaptured(proxy.db));
  assert.equal(rec.captured.sessions, streams.length, 'one session per stream');
  assert.equal(rec.captured.seqProblems, 0, 'seq numbers have no gaps or repeats');
  assert.equal(rec.percent, 100, 'exactly what was forwarded is captured');

  const d = new Database(proxy.db, { readonly: true });
  try {
    const sessions = d
      .prepare(
        'SELECT id, to_host AS toHost, to_worker AS toWorker FROM sessions WHERE start_wall_ms IS NOT NULL ORDER BY id',
      )
      .all() as Array<{ id: number; toHost: number; toWorker: number }>;
    sessions.forEach((s, i) => {
      const count = (dir: string) =>
        (
          d
            .prepare('SELECT count(*) AS n FROM frames WHERE session_id = ? AND direction = ?')
            .get(s.id, dir) as { n: number }
        ).n;
      assert.equal(count('toHost'), streams[i]!.result.sent, `${streams[i]!.what}: toHost frames`);
      assert.equal(count('toWorker'), streams[i]!.result.received, `${streams[i]!.what}: toWorker frames`);
      assert.equal(s.toHost, streams[i]!.result.sent, `${streams[i]!.what}: the session row's toHost count`);
      assert.equal(
        s.toWorker,
        streams[i]!.result.received,
        `${streams[i]!.what}: the session row's toWorker count`,
      );
    });
    const first = sessions[0]!.id;
    const sent = streams[0]!.result.messages!;
    for (const direction of ['toHost', 'toWorker']) {
      const rows = d
        .prepare(
          'SELECT bytes, size, kind, invocation_id AS id FROM frames WHERE session_id = ? AND direction = ? ORDER BY seq',
        )
        .all(first, direction) as Array<{ bytes: Buffer; size: number; kind: string; id: string }>;
      assert.equal(rows.length, sent.length);
      rows.forEach((row, i) => {
        assert.ok(row.bytes.equals(sent[i]!), `${direction} frame ${i} holds the exact wire bytes`);
        assert.equal(row.size, 200);
        assert.equal(row.kind, 'invocationResponse');
        assert.match(row.id, /^[0-9a-f-]{36}$/);
      });
    }
  } finally {
    d.close();
  }
});
