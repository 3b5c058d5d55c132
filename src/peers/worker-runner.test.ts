import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Duplex, DuplexEnd } from '../model/duplex.js';
import type { StreamStatus } from '../model/session.js';
import { describe as describeBytes } from '../codec/describe.js';
import { encodeMessage, makeMessage } from '../codec/streaming-message.js';
import { createWorkerProtocol } from './worker-protocol.js';
import { runWorker, type Timers } from './worker-runner.js';
import { msg } from './messages.js';

/** A Duplex whose other end is the test: records what the worker sent and how it ended. */
function fakeDuplex(opts: { refuseSends?: boolean } = {}) {
  let handler: ((b: Uint8Array) => void) | undefined;
  let finish!: (e: DuplexEnd) => void;
  let drain!: () => void;
  const sent: string[] = [];
  const calls: string[] = [];
  const d: Duplex & { pause(): void; resume(): void } = {
    send(bytes) {
      sent.push(describeBytes(bytes).kind);
      return !opts.refuseSends;
    },
    drained: () => new Promise<void>((r) => (drain = r)),
    end: (s?: StreamStatus) => calls.push(`end${s ? ` ${s.code}` : ''}`),
    cancel: () => calls.push('cancel'),
    onMessage: (h) => (handler = h),
    pause: () => calls.push('pause'),
    resume: () => calls.push('resume'),
    metadata: {},
    done: new Promise<DuplexEnd>((r) => (finish = r)),
  };
  return {
    d,
    sent,
    calls,
    deliver: (init: Parameters<typeof makeMessage>[0]) => handler!(encodeMessage(makeMessage(init))),
    finish: (e: DuplexEnd) => finish(e),
    drain: () => drain(),
  };
}

function fakeTimers() {
  const due: Array<{ fn: () => void; ms: number; live: boolean }> = [];
  const timers: Timers = {
    setTimeout: (fn, ms) => {
      const t = { fn, ms, live: true };
      due.push(t);
      return t;
    },
    clearTimeout: (h) => {
      (h as { live: boolean }).live = false;
    },
  };
  return {
    timers,
    fire: (ms: number) => due.filter((t) => t.live && t.ms === ms).forEach((t) => ((t.live = false), t.fn())),
  };
}

const protocol = () =>
  createWorkerProtocol({
    workerId: 'W',
    requestId: 'R',
    workerVersion: '1',
    runtime: { name: 'n', version: '1', bitness: 'x', pid: 1 },
  });
const sleepRequest = (id: string, ms: number) =>
  msg('invocationRequest', {
    invocationId: id,
    functionId: 'sleep',
    inputData: [
      {
        name: 'req',
        rpcData: { case: 'data', value: { data: { case: 'http', value: { query: { ms: String(ms) } } } } },
      },
    ],
  });

test('StartStream first; a sleep answers when its timer fires; terminate ends the stream and exits 0', async () => {
  const f = fakeDuplex();
  const t = fakeTimers();
  const result = runWorker(f.d, protocol(), t.timers);
  assert.deepEqual(f.sent, ['startStream']);
  f.deliver(msg('functionLoadRequest', { functionId: 'sleep', metadata: { name: 'sleep' } }));
  f.deliver(sleepRequest('a', 7));
  assert.deepEqual(f.sent, ['startStream', 'functionLoadResponse']);
  t.fire(7);
  assert.equal(f.sent.at(-1), 'invocationResponse');
  f.deliver(msg('workerTerminate', {}));
  assert.deepEqual(f.calls, ['end']);
  f.finish({ status: { code: 0, details: 'OK' }, clean: true });
  const r = await result;
  assert.equal(r.exitCode, 0);
  assert.equal(r.crash, false);
  assert.match(r.reason, /terminated by the host/);
});

test('a host that never ends the stream after terminate: cut after the grace period, exit 0', async () => {
  const f = fakeDuplex();
  const t = fakeTimers();
  const result = runWorker(f.d, protocol(), t.timers);
  f.deliver(msg('workerTerminate', { gracePeriod: { seconds: 2n, nanos: 0 } }));
  t.fire(2000);
  const r = await result;
  assert.deepEqual(f.calls, ['end', 'cancel']);
  assert.equal(r.exitCode, 0);
  assert.match(r.reason, /grace period/);
});

test('a broken stream gives exit 3 and clears pending sleeps', async () => {
  const f = fakeDuplex();
  const t = fakeTimers();
  const result = runWorker(f.d, protocol(), t.timers);
  f.deliver(msg('functionLoadRequest', { functionId: 'sleep', metadata: { name: 'sleep' } }));
  f.deliver(sleepRequest('a', 50));
  f.finish({ status: { code: 14, details: 'gone' }, clean: false });
  const r = await result;
  assert.equal(r.exitCode, 3);
  assert.match(r.reason, /14 gone/);
  const before = f.sent.length;
  t.fire(50);
  assert.equal(f.sent.length, before, 'no answer after the end');
});

test('crash resolves at once with the crash code', async () => {
  const f = fakeDuplex();
  const result = runWorker(f.d, protocol(), fakeTimers().timers);
  f.deliver(msg('functionLoadRequest', { functionId: 'crash', metadata: { name: 'crash' } }));
  f.deliver(msg('invocationRequest', { invocationId: 'x', functionId: 'crash' }));
  const r = await result;
  assert.equal(r.crash, true);
  assert.equal(r.exitCode, 70);
});

test('a refused send pauses reading until the transport drains', async () => {
  const f = fakeDuplex({ refuseSends: true });
  void runWorker(f.d, protocol(), fakeTimers().timers);
  assert.deepEqual(f.calls, ['pause'], 'StartStream was refused');
  f.deliver(msg('workerStatusRequest', {}, 'r'));
  assert.deepEqual(f.calls, ['pause'], 'paused once, not again');
  f.drain();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(f.calls, ['pause', 'resume']);
  f.finish({ status: { code: 0, details: '' }, clean: true });
});

test('an invocation cost: its CPU is spent before the logs and the answer are sent', async () => {
  const f = fakeDuplex();
  const t = fakeTimers();
  const order: string[] = [];
  const p = createWorkerProtocol({
    workerId: 'W',
    requestId: 'R',
    workerVersion: '1',
    runtime: { name: 'n', version: '1', bitness: 'x', pid: 1 },
    cost: { workUs: 250, logs: 2 },
  });
  const result = runWorker(f.d, p, t.timers, (us) => order.push(`work ${us} after ${f.sent.length} sends`));
  f.deliver(msg('functionLoadRequest', { functionId: 'noop', metadata: { name: 'noop' } }));
  f.deliver(msg('invocationRequest', { invocationId: 'i1', functionId: 'noop' }));
  assert.deepEqual(order, ['work 250 after 2 sends'], 'once, after StartStream and the load response');
  assert.deepEqual(f.sent, ['startStream', 'functionLoadResponse', 'rpcLog', 'rpcLog', 'invocationResponse']);
  f.finish({ status: { code: 0, details: 'OK' }, clean: true });
  assert.equal((await result).exitCode, 0);
});
