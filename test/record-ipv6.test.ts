// Recording over IPv6 loopback: the session's upstream address is stored in the
// bracketed form ([::1]:PORT) every other place of functape prints and parses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { encodeMessage, makeMessage } from '../src/codec/streaming-message.js';
import {
  dialTestWorker,
  readRecording,
  startTestHost,
  startTestProxy,
  tempDir,
  withTimeout,
} from './helpers/raw-peers.js';

test('a session relayed over ::1 stores its upstream as [::1]:PORT', async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const host = await startTestHost(undefined, '::1');
  t.after(() => host.close());
  const db = join(tmp.dir, 'rec.db');
  const proxy = await startTestProxy(host.address, db, { listenHost: '::1' });
  const worker = dialTestWorker(`[::1]:${proxy.address.port}`);
  await worker.send(
    encodeMessage(
      makeMessage({ requestId: 'r1', content: { case: 'startStream', value: { workerId: 'w' } } }),
    ),
  );
  worker.duplex.end();
  await withTimeout(worker.duplex.done, 20_000, 'worker call end');
  await proxy.stop();
  const [session] = readRecording(db);
  assert.ok(session, 'one session recorded');
  assert.equal(session.info.upstream, host.address);
  assert.match(session.info.upstream, /^\[::1\]:\d+$/);
});
