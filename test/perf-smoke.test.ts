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
const proxies: RecordProxy[] = [];

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'functape-perf-smoke-'));
  server = await startEchoServer();
});

after(async () => {
  for (const p of proxies) await p.child.stop('SIGKILL', 2000);
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

function assertClean(r: StreamTally, expected: number): void {
  assert.equal(r.sent, expected, 'messages sent');
  assert.equal(r.received, expected, 'echoes received');
  assert.equal(r.mismatches, 0, 'every echo has the bytes that were sent at its position');
  assert.equal(r.status, 0, 'the call ends OK');
}

/** Run `pattern` through a fresh `functape record`, stop it with SIGTERM, and check the capture. */
async function throughRecord<T extends StreamTally>(name: string, pattern: (target: string) => Promise<T>): Promise<{ result: T; db: string }> {
  const proxy = await startRecord(tmp, server.port);
  proxies.push(proxy);
  const result = await pattern(proxy.target);
  const { code } = await proxy.stop();
  assert.equal(code, 0, `record exits 0 on SIGTERM (stderr: ${proxy.child.stderr().slice(-300)})`);
  const rec = completeness(name, result.sent, result.received, countCaptured(proxy.db));
  assert.equal(rec.captured.toHost, result.sent, 'every message the client sent is captured (toHost)');
  assert.equal(rec.captured.toWorker, result.received, 'every message the server sent is captured (toWorker)');
  assert.equal(rec.captured.seqProblems, 0, 'seq numbers have no gaps or repeats');
  assert.equal(rec.captured.sessions, 1, 'one stream, one session');
  assert.equal(rec.percent, 100);
  return { result, db: proxy.db };
}

test('benchmark 1 pattern (many in flight on one stream): direct and through record, every message captured byte for byte', { timeout: 60_000 }, async () => {
  const args = { size: 200, count: 3000, inFlight: 200, warmup: 300 };
  assertClean(await runThroughput(`127.0.0.1:${server.port}`, args), args.count);
  const { result, db } = await throughRecord('1', (t) => runThroughput(t, { ...args, collect: true }));
  assertClean(result, args.count);
  const d = new Database(db, { readonly: true });
  try {
    for (const direction of ['toHost', 'toWorker']) {
      const rows = d.prepare('SELECT bytes, size, kind, invocation_id AS id FROM frames WHERE direction = ? ORDER BY seq').all(direction) as Array<{ bytes: Buffer; size: number; kind: string; id: string }>;
      assert.equal(rows.length, args.count);
      rows.forEach((row, i) => {
        assert.ok(row.bytes.equals(result.messages![i]!), `${direction} frame ${i} holds the exact wire bytes`);
        assert.equal(row.size, 200);
        assert.equal(row.kind, 'invocationResponse');
        assert.match(row.id, /^[0-9a-f-]{36}$/);
      });
    }
  } finally {
    d.close();
  }
});

test('benchmark 1 pattern with 4 KB messages through record: complete', { timeout: 60_000 }, async () => {
  const args = { size: 4096, count: 1000, inFlight: 100, warmup: 100 };
  const { result } = await throughRecord('1-4k', (t) => runThroughput(t, args));
  assertClean(result, args.count);
});

test('benchmark 2 patterns (ping-pong, paced) through record: every round trip completes and is captured', { timeout: 60_000 }, async () => {
  const ping = await throughRecord('2-pp', (t) => runPingPong(t, { size: 200, count: 300, warmup: 50 }));
  assertClean(ping.result, 350);
  assert.ok(ping.result.p50Us > 0 && ping.result.p99Us >= ping.result.p50Us, 'latency percentiles are recorded');
  const paced = await throughRecord('2-paced', (t) => runPaced(t, { size: 200, rate: 1000, seconds: 0.4, warmupSeconds: 0.1 }));
  assertClean(paced.result, 500);
  assert.ok(paced.result.achievedRate! > 0);
});
