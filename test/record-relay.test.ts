// The recording proxy between real grpc-js peers over loopback: what crosses, what is
// recorded, and that the worker sees what it would see connected directly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { join } from 'node:path';
import { encodeMessage, makeMessage } from '../src/codec/streaming-message.js';
import type { StreamStatus } from '../src/model/session.js';
import {
  dialTestWorker,
  echo,
  echoUntilEnd,
  hexList,
  readRecording,
  stableStatus,
  startTestHost,
  startTestProxy,
  tempDir,
  withTimeout,
  type HostBehavior,
  type LoggedDuplex,
} from './helpers/raw-peers.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Run one worker conversation against `address`: send all, half-close, wait for the end. */
async function converse(
  address: string,
  messages: Uint8Array[],
  metadata?: Record<string, string[]>,
): Promise<{ worker: LoggedDuplex; status: StreamStatus; headers: Record<string, string[]> }> {
  const worker = dialTestWorker(address, metadata);
  for (const m of messages) await worker.send(m);
  worker.duplex.end();
  // A guard against a hang, not a timing check: 64 MiB each way takes ~8 s alone on 2 cores
  // and more than 20 s beside a full suite run.
  const end = await withTimeout(worker.duplex.done, 120_000, 'worker call end');
  return { worker, status: end.status, headers: worker.duplex.metadata };
}

test('every message both ways is forwarded and recorded once, same bytes, same order; metadata and trailers cross', async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const behavior: HostBehavior = (s) => {
    void s.send(Buffer.from('host speaks first'));
    echoUntilEnd({ 'x-trailer': ['t1'] })(s);
  };
  const host = await startTestHost(behavior);
  t.after(() => host.close());
  const db = join(tmp.dir, 'rec.db');
  const proxy = await startTestProxy(host.address, db);
  const messages = [
    encodeMessage(
      makeMessage({ requestId: 'r-1', content: { case: 'startStream', value: { workerId: 'worker-7' } } }),
    ),
    new Uint8Array(0),
    new Uint8Array([0xff, 0xff, 0xff, 0x01]), // not a StreamingMessage
    Buffer.from('hello'),
    randomBytes(100_000),
  ];
  const direct = await converse(host.address, messages, { 'x-worker': ['w1'] });
  const viaProxy = await converse(`127.0.0.1:${proxy.address.port}`, messages, { 'x-worker': ['w1'] });
  await proxy.stop();

  // The worker sees the same as directly: status, trailers, response headers.
  assert.deepEqual(stableStatus(viaProxy.status), stableStatus(direct.status));
  assert.deepEqual(viaProxy.status.metadata?.['x-trailer'], ['t1']);
  assert.deepEqual(Object.keys(viaProxy.headers).sort(), Object.keys(direct.headers).sort());
  assert.deepEqual(hexList(viaProxy.worker.received), hexList(direct.worker.received));

  const hostSide = host.streams[1]!;
  assert.deepEqual(hexList(hostSide.received), hexList(viaProxy.worker.sent));
  assert.deepEqual(hexList(viaProxy.worker.received), hexList(hostSide.sent));
  assert.deepEqual(hostSide.duplex.metadata['x-worker'], ['w1']);

  const sessions = readRecording(db);
  assert.equal(sessions.length, 1);
  const [s] = sessions;
  assert.deepEqual(hexList(s!.toHost), hexList(viaProxy.worker.sent));
  assert.deepEqual(hexList(s!.toWorker), hexList(hostSide.sent));
  assert.deepEqual(
    s!.all.map((f) => f.seq),
    s!.all.map((_, i) => i),
  );
  assert.deepEqual(
    s!.toHost.map((f) => f.dirSeq),
    s!.toHost.map((_, i) => i),
  );
  assert.deepEqual(
    s!.toHost.map((f) => f.kind),
    ['startStream', 'empty', 'unknown', 'unknown', 'unknown'],
  );
  assert.equal(s!.toHost[0]!.requestId, 'r-1');
  assert.ok(s!.toHost[2]!.decodeError, 'the undecodable message carries its decode error');
  assert.deepEqual(
    s!.toHost.map((f) => f.size),
    messages.map((m) => m.length),
  );
  assert.ok(
    s!.all.every((f, i) => i === 0 || f.tNs >= s!.all[i - 1]!.tNs),
    'monotonic time never runs backwards',
  );
  assert.equal(s!.info.workerId, 'worker-7');
  assert.deepEqual(s!.info.metadata['x-worker'], ['w1']);
  assert.equal(s!.info.path, '/AzureFunctionsRpcMessages.FunctionRpc/EventStream');
  assert.equal(s!.info.upstream, host.address);
  assert.equal(s!.info.end?.reason, 'completed');
  assert.equal(s!.info.end?.status?.code, 0);
  assert.deepEqual(s!.info.end?.status?.metadata?.['x-trailer'], ['t1']);
  assert.deepEqual(s!.info.counts, { toHost: 5, toWorker: 6 });
});

test('a 0-byte, a 4 MiB + 1 and a 64 MiB message cross intact both ways and are recorded intact', async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const host = await startTestHost();
  t.after(() => host.close());
  const db = join(tmp.dir, 'big.db');
  const proxy = await startTestProxy(host.address, db);
  const big = Buffer.alloc(64 * 1024 * 1024);
  for (let i = 0; i < big.length; i += 4096) big[i] = (i >>> 12) & 0xff;
  const messages = [new Uint8Array(0), randomBytes(4 * 1024 * 1024 + 1), big, Buffer.from('after')];
  const { worker, status } = await converse(`127.0.0.1:${proxy.address.port}`, messages);
  await proxy.stop();
  assert.equal(status.code, 0);
  assert.deepEqual(worker.received.map(sha), messages.map(sha));
  const [s] = readRecording(db);
  assert.deepEqual(
    s!.toHost.map((f) => sha(f.bytes)),
    messages.map(sha),
  );
  assert.deepEqual(
    s!.toWorker.map((f) => sha(f.bytes)),
    messages.map(sha),
  );
  assert.deepEqual(
    s!.toWorker.map((f) => f.size),
    messages.map((m) => m.length),
  );
});

test('the host ending with an error status reaches the worker as it would directly (trailers-only and after data)', async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const failing: StreamStatus = {
    code: 9,
    details: 'nope: ü 100% (precondition)',
    metadata: { 'x-why': ['because'] },
  };
  const immediate = await startTestHost((s) => s.duplex.end(failing));
  const afterData = await startTestHost((s) => {
    s.duplex.onMessage((bytes) => {
      s.received.push(bytes);
      void s.send(Buffer.from('partial answer')).then(() => s.duplex.end(failing));
    });
  });
  t.after(() => Promise.all([immediate.close(), afterData.close()]));
  for (const [name, host] of [
    ['trailers-only', immediate],
    ['after data', afterData],
  ] as const) {
    const db = join(tmp.dir, `${name}.db`);
    const proxy = await startTestProxy(host.address, db);
    const direct = await converse(host.address, [Buffer.from('x')]);
    const relayed = await converse(`127.0.0.1:${proxy.address.port}`, [Buffer.from('x')]);
    await proxy.stop();
    assert.deepEqual(stableStatus(relayed.status), stableStatus(direct.status), name);
    assert.equal(relayed.status.code, 9, name);
    assert.equal(relayed.status.details, failing.details, name);
    assert.deepEqual(relayed.status.metadata?.['x-why'], ['because'], name);
    assert.deepEqual(hexList(relayed.worker.received), hexList(direct.worker.received), name);
    const [s] = readRecording(db);
    assert.equal(s!.info.end?.reason, 'error-status', name);
    assert.deepEqual(s!.info.end?.status && stableStatus(s!.info.end.status), stableStatus(failing), name);
  }
});

test('an unreachable host gives the worker the same UNAVAILABLE as a direct connection', async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const port = await freePort();
  const db = join(tmp.dir, 'down.db');
  const proxy = await startTestProxy(`127.0.0.1:${port}`, db);
  const direct = await converse(`127.0.0.1:${port}`, [Buffer.from('x')]);
  const relayed = await converse(`127.0.0.1:${proxy.address.port}`, [Buffer.from('x')]);
  await proxy.stop();
  assert.equal(direct.status.code, 14);
  assert.equal(relayed.status.code, 14);
  assert.equal(relayed.status.details, direct.status.details);
  assert.match(relayed.status.details, new RegExp(`ECONNREFUSED 127\\.0\\.0\\.1:${port}`));
  const [s] = readRecording(db);
  assert.equal(s!.info.end?.reason, 'host-gone');
  assert.equal(s!.info.end?.status?.code, 14);
  assert.deepEqual(
    hexList(s!.toHost),
    hexList([Buffer.from('x')]),
    'what the worker sent is recorded even though no host took it',
  );
});

test('10 concurrent streams are 10 sessions, each with exactly its own messages', async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const host = await startTestHost();
  t.after(() => host.close());
  const db = join(tmp.dir, 'ten.db');
  const proxy = await startTestProxy(host.address, db);
  const address = `127.0.0.1:${proxy.address.port}`;
  const runs = await Promise.all(
    Array.from({ length: 10 }, (_, w) =>
      converse(
        address,
        Array.from({ length: 50 }, (_, i) => Buffer.from(`worker ${w} message ${i}`)),
        { 'x-n': [String(w)] },
      ),
    ),
  );
  await proxy.stop();
  const sessions = readRecording(db);
  assert.equal(sessions.length, 10);
  assert.equal(new Set(sessions.map((s) => s.info.id)).size, 10);
  for (const s of sessions) {
    const w = Number(s.info.metadata['x-n']![0]);
    assert.deepEqual(hexList(s.toHost), hexList(runs[w]!.worker.sent));
    assert.deepEqual(hexList(s.toWorker), hexList(runs[w]!.worker.received));
    assert.equal(s.info.end?.reason, 'completed');
  }
});

test('the worker cancelling, and the host ending while the worker still sends, look the same to the other side as directly', async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  // The host answers once, then ends OK without waiting for the worker to finish.
  const host = await startTestHost((s) => {
    s.duplex.onMessage((bytes) => {
      s.received.push(Buffer.from(bytes));
      if (s.received.length === 1)
        void s.send(Buffer.from('bye')).then(() => s.duplex.end({ code: 0, details: 'OK' }));
    });
  });
  t.after(() => host.close());
  const db = join(tmp.dir, 'ends.db');
  const proxy = await startTestProxy(host.address, db);
  const viaProxy = `127.0.0.1:${proxy.address.port}`;

  const hostEnds = async (address: string) => {
    const worker = dialTestWorker(address);
    await worker.send(Buffer.from('one'));
    const end = await withTimeout(worker.duplex.done, 10_000, 'worker sees the end');
    return { status: stableStatus(end.status), received: hexList(worker.received) };
  };
  assert.deepEqual(await hostEnds(viaProxy), await hostEnds(host.address));

  // A host that echoes and never ends by itself: the worker cancels mid-stream.
  const echoHost = await startTestHost(echo);
  t.after(() => echoHost.close());
  const db2 = join(tmp.dir, 'cancel.db');
  const proxy2 = await startTestProxy(echoHost.address, db2);
  const workerCancels = async (address: string, n: number) => {
    const worker = dialTestWorker(address);
    await worker.send(Buffer.from('one'));
    const stream = await echoHost.stream(n);
    await withTimeout(
      (async () => {
        while (worker.received.length < 1) await new Promise((r) => setTimeout(r, 5));
      })(),
      10_000,
      'answer',
    );
    worker.duplex.cancel();
    const workerEnd = await withTimeout(worker.duplex.done, 10_000, 'worker end');
    const hostEnd = await withTimeout(stream.duplex.done, 10_000, 'host end');
    return { worker: stableStatus(workerEnd.status), host: hostEnd };
  };
  const direct = await workerCancels(echoHost.address, 0);
  const relayed = await workerCancels(`127.0.0.1:${proxy2.address.port}`, 1);
  assert.deepEqual(relayed, direct);
  assert.equal(relayed.worker.code, 1);
  assert.equal(relayed.host.clean, false);
  await proxy.stop();
  await proxy2.stop();
  assert.deepEqual(
    readRecording(db).map((s) => s.info.end?.reason),
    ['completed'],
  );
  const [cancelled] = readRecording(db2);
  assert.equal(cancelled!.info.end?.reason, 'worker-gone');
  assert.deepEqual(hexList(cancelled!.toHost), hexList([Buffer.from('one')]));
});

test('a host that shuts down gracefully (GOAWAY) finishes the call in flight and then refuses new ones, as directly', async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const run = async (viaProxy: boolean) => {
    const host = await startTestHost(echoUntilEnd());
    const proxy = viaProxy ? await startTestProxy(host.address, join(tmp.dir, 'goaway.db')) : undefined;
    try {
      const address = proxy ? `127.0.0.1:${proxy.address.port}` : host.address;
      const worker = dialTestWorker(address);
      await worker.send(Buffer.from('before'));
      await host.stream(0);
      const closing = host.listener.close(10_000); // GOAWAY; waits for the call in flight
      await new Promise((r) => setTimeout(r, 50));
      await worker.send(Buffer.from('during shutdown'));
      worker.duplex.end();
      const end = await withTimeout(worker.duplex.done, 10_000, 'call in flight ends');
      await closing;
      const late = dialTestWorker(address);
      const lateEnd = await withTimeout(late.duplex.done, 10_000, 'new call refused');
      const lateDetails = lateEnd.status.details.replace(host.address, 'HOST'); // each run has its own host port
      return {
        inFlight: stableStatus(end.status),
        received: hexList(worker.received),
        late: lateEnd.status.code,
        lateDetails,
      };
    } finally {
      await proxy?.stop();
      await host.close();
    }
  };
  const direct = await run(false);
  const relayed = await run(true);
  assert.deepEqual(relayed.inFlight, direct.inFlight);
  assert.equal(relayed.inFlight.code, 0);
  assert.deepEqual(relayed.received, hexList([Buffer.from('before'), Buffer.from('during shutdown')]));
  assert.equal(relayed.late, direct.late);
  assert.equal(relayed.late, 14);
  assert.equal(relayed.lateDetails, direct.lateDetails);
  const sessions = readRecording(join(tmp.dir, 'goaway.db'));
  assert.deepEqual(
    sessions.map((s) => s.info.end?.reason),
    ['completed', 'host-gone'],
  );
});
