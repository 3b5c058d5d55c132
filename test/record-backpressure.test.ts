// Backpressure, not buffering: a host that stops reading must stop the worker (through
// HTTP/2 flow control across the proxy), and the proxy must not absorb the difference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createRunningHash, dialTestWorker, readRecording, startTestHost, startTestProxy, tempDir, withTimeout } from './helpers/raw-peers.js';

const CHUNK = 64 * 1024;

test('a host that stops reading stops the worker; nothing is lost or reordered when it reads again', async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const host = await startTestHost((s) => {
    s.duplex.pause(); // the host reads nothing until told
    s.duplex.onMessage((bytes) => s.received.push(Buffer.from(bytes)));
    void s.duplex.peerEnded.then(() => s.duplex.end());
  });
  t.after(() => host.close());
  const db = join(tmp.dir, 'bp.db');
  const proxy = await startTestProxy(host.address, db);
  const worker = dialTestWorker(`127.0.0.1:${proxy.address.port}`);
  const sent = createRunningHash();

  // Send until the transport refuses to take more for half a second: the worker is stalled.
  let i = 0;
  let accepted = 0;
  for (;;) {
    const bytes = Buffer.alloc(CHUNK, i++ & 0xff);
    sent.update(bytes);
    worker.sent.push(bytes);
    accepted += bytes.length;
    if (worker.duplex.send(bytes)) continue;
    const drained = await Promise.race([worker.duplex.drained().then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 500))]);
    if (!drained) break;
    assert.ok(accepted < 512 * 1024 * 1024, 'the worker was never stopped');
  }
  const stalledAt = accepted;
  t.diagnostic(`worker stalled after ${(stalledAt / 1048576).toFixed(1)} MiB`);
  // Bounded by flow-control windows (HTTP/2 on both legs) and grpc-js buffers, not by the traffic.
  assert.ok(stalledAt < 128 * 1024 * 1024, `the worker stalled after ${stalledAt} bytes`);
  assert.ok(proxy.relay.activeStreams === 1);

  const stream = await host.stream(0);
  stream.duplex.resume();
  worker.duplex.end();
  const end = await withTimeout(worker.duplex.done, 30_000, 'call ends after the host reads again');
  assert.equal(end.status.code, 0);
  const received = createRunningHash();
  for (const m of stream.received) received.update(m);
  assert.equal(received.digest(), sent.digest());
  await proxy.stop();
  const [s] = readRecording(db);
  const recorded = createRunningHash();
  for (const f of s!.toHost) recorded.update(f.bytes);
  assert.equal(recorded.digest(), sent.digest());
});
