// H2Relay.whenIdle: what `wrap` waits on after its worker exits, so that the worker's
// streams end as the worker ended them rather than as a shutdown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createStreamEnd } from '../src/proxy/stream-end.js';
import { startH2Relay } from '../src/wire/h2-relay.js';
import { dialTestWorker, startTestHost, withTimeout } from './helpers/raw-peers.js';

test('relay.whenIdle: true at once with no stream, false after the timeout while one is open, true when the worker ends it', async (t) => {
  const host = await startTestHost();
  t.after(() => host.close());
  const ended: string[] = [];
  const [hostName, hostPort] = host.address.split(':');
  const relay = await startH2Relay({
    listen: { host: '127.0.0.1', port: 0 },
    upstream: { host: hostName!, port: Number(hostPort) },
    decideEnd: createStreamEnd,
    onStream: () => ({ message: () => {}, end: (o) => void ended.push(o.reason) }),
  });
  t.after(() => relay.close({ code: 14, details: 'test over' }));
  assert.equal(await relay.whenIdle(10_000), true, 'no stream: idle at once');

  const worker = dialTestWorker(`127.0.0.1:${relay.address.port}`);
  await worker.send(Buffer.from('hello'));
  await host.stream(0);
  const started = Date.now();
  assert.equal(await relay.whenIdle(50), false, 'a stream is open');
  assert.ok(Date.now() - started >= 45, 'it waited for the timeout');
  assert.equal(relay.activeStreams, 1, 'waiting changed nothing');

  const idle = relay.whenIdle(10_000);
  worker.duplex.end();
  assert.equal((await withTimeout(worker.duplex.done, 10_000, 'call ends')).status.code, 0);
  assert.equal(await withTimeout(idle, 10_000, 'idle'), true);
  assert.equal(relay.activeStreams, 0);
  assert.deepEqual(ended, ['completed'], 'the stream ended as the peers ended it');
});
