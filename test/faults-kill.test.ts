// Issue 6 faults: a peer process killed mid-session. The other peer must see the end
// exactly as without functape, and the session must hold everything before the kill.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { DuplexEnd } from '../src/model/duplex.js';
import {
  dialTestWorker,
  hexList,
  readRecording,
  stableStatus,
  startPeerProcess,
  startTestHost,
  startTestProxy,
  tempDir,
  withTimeout,
} from './helpers/raw-peers.js';

/** A worker process sends 5 messages, gets 5 echoes, and is SIGKILLed; returns how the host saw the call end. */
async function killWorkerMidStream(
  address: string,
  hostStream: () => Promise<{ duplex: { done: Promise<DuplexEnd> }; received: Uint8Array[] }>,
) {
  const worker = startPeerProcess('worker', [address, '5']);
  try {
    await worker.line(/^echo 5 /);
    const stream = await hostStream();
    worker.kill('SIGKILL');
    await worker.exited;
    const end = await withTimeout(stream.duplex.done, 10_000, 'host sees the call end');
    return { end, received: stream.received };
  } finally {
    worker.kill('SIGKILL');
  }
}

test('worker SIGKILLed mid-invocation: the host sees the call end as it does directly; the session keeps everything before the kill', async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const host = await startTestHost((s) => {
    s.duplex.onMessage((bytes) => {
      s.received.push(Buffer.from(bytes));
      void s.send(Buffer.from(bytes));
    });
  });
  t.after(() => host.close());
  const db = join(tmp.dir, 'kill.db');
  const proxy = await startTestProxy(host.address, db);
  t.after(() => proxy.stop());

  const direct = await killWorkerMidStream(host.address, () => host.stream(0));
  const relayed = await killWorkerMidStream(`127.0.0.1:${proxy.address.port}`, () => host.stream(1));
  assert.deepEqual(relayed.end, direct.end);
  assert.equal(relayed.end.clean, false);
  assert.deepEqual(hexList(relayed.received), hexList(direct.received));

  await proxy.stop();
  const [s] = readRecording(db);
  assert.deepEqual(hexList(s!.toHost), hexList([0, 1, 2, 3, 4].map((i) => Buffer.from(`m${i}`))));
  assert.deepEqual(hexList(s!.toWorker), hexList(s!.toHost));
  assert.equal(s!.info.end?.reason, 'worker-gone');
});

test('host dies mid-session: the worker sees the same status as directly; the session ends host-gone', async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const db = join(tmp.dir, 'hostdies.db');

  const run = async (viaProxy: boolean) => {
    const hostProc = startPeerProcess('host');
    try {
      const port = (await hostProc.line(/^listening on (\d+)/))[1]!;
      const proxy = viaProxy ? await startTestProxy(`127.0.0.1:${port}`, db) : undefined;
      try {
        const worker = dialTestWorker(proxy ? `127.0.0.1:${proxy.address.port}` : `127.0.0.1:${port}`);
        await worker.send(Buffer.from('before'));
        await withTimeout(
          (async () => {
            while (worker.received.length < 1) await new Promise((r) => setTimeout(r, 5));
          })(),
          10_000,
          'echo',
        );
        hostProc.kill('SIGKILL');
        const end = await withTimeout(worker.duplex.done, 10_000, 'worker sees the call end');
        return { status: stableStatus(end.status), received: hexList(worker.received) };
      } finally {
        await proxy?.stop();
      }
    } finally {
      hostProc.kill('SIGKILL');
    }
  };
  const direct = await run(false);
  const relayed = await run(true);
  assert.deepEqual(relayed, direct);
  assert.equal(relayed.status.code, 14);

  const [s] = readRecording(db);
  assert.deepEqual(hexList(s!.toHost), hexList([Buffer.from('before')]));
  assert.deepEqual(hexList(s!.toWorker), hexList([Buffer.from('before')]));
  assert.equal(s!.info.end?.reason, 'host-gone');
  assert.deepEqual(s!.info.end?.status, relayed.status);
});
