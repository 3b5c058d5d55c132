// Backpressure, not buffering: a host that stops reading must stop the worker (through
// HTTP/2 flow control across the proxy), and the proxy must not absorb the difference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createStreamEnd } from '../src/proxy/stream-end.js';
import {
  createRunningHash,
  dialTestWorker,
  readRecording,
  startTestHost,
  startTestProxy,
  tempDir,
  withTimeout,
} from './helpers/raw-peers.js';

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
    const drained = await Promise.race([
      worker.duplex.drained().then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), 500)),
    ]);
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

test('relay.hold() (store backpressure) stops reading from both peers until release(); then everything flows in order', async (t) => {
  const { startH2Relay } = await import('../src/wire/h2-relay.js');
  const host = await startTestHost((s) => {
    s.duplex.onMessage((bytes) => s.received.push(Buffer.from(bytes)));
    void s.duplex.peerEnded.then(() => s.duplex.end());
  });
  t.after(() => host.close());
  let tapped = 0;
  let ended: string | undefined;
  const [hostName, hostPort] = host.address.split(':');
  const relay = await startH2Relay({
    listen: { host: '127.0.0.1', port: 0 },
    upstream: { host: hostName!, port: Number(hostPort) },
    decideEnd: createStreamEnd,
    onStream: () => ({ message: () => void tapped++, end: (o) => void (ended = o.reason) }),
  });
  t.after(() => relay.close({ code: 14, details: 'test over' }));
  const worker = dialTestWorker(`127.0.0.1:${relay.address.port}`);
  const sent = createRunningHash();
  let stop = false;
  const pumping = (async () => {
    for (let i = 0; !stop; i++) {
      const bytes = Buffer.alloc(CHUNK, i & 0xff);
      sent.update(bytes);
      if (!worker.duplex.send(bytes)) await worker.duplex.drained();
    }
  })();
  await withTimeout(
    (async () => {
      while (tapped < 20) await new Promise((r) => setTimeout(r, 5));
    })(),
    10_000,
    'traffic flows',
  );
  relay.hold();
  const atHold = tapped;
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(tapped, atHold, 'nothing is read while held');
  relay.release();
  await withTimeout(
    (async () => {
      while (tapped < atHold + 20) await new Promise((r) => setTimeout(r, 5));
    })(),
    10_000,
    'traffic flows again',
  );
  stop = true;
  await pumping;
  worker.duplex.end();
  assert.equal((await withTimeout(worker.duplex.done, 20_000, 'call end')).status.code, 0);
  const received = createRunningHash();
  for (const m of host.streams[0]!.received) received.update(m);
  assert.equal(received.digest(), sent.digest());
  assert.equal(tapped, sent.count);
  await withTimeout(
    (async () => {
      while (!ended) await new Promise((r) => setTimeout(r, 5));
    })(),
    5_000,
    'tap end',
  );
  assert.equal(ended, 'completed');
});
