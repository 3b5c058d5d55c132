import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessage, encodeMessage, makeMessage } from '../codec/streaming-message.js';
import { describe as describeBytes } from '../codec/describe.js';
import { createHostScript, type HostEffect, type HostScript, type HostScriptConfig } from './host-script.js';
import { createWorkerProtocol, type WorkerEffect, type WorkerProtocol } from './worker-protocol.js';
import { msg } from './messages.js';

function config(extra: Partial<HostScriptConfig> = {}): HostScriptConfig & { latencies: number[] } {
  let guid = 0;
  let clock = 0n;
  const latencies: number[] = [];
  return {
    workerId: 'W',
    functions: ['echo', 'hello', 'sleep', 'fail', 'log', 'big', 'noop'],
    invocations: 14,
    concurrency: 3,
    plan: { logCount: 2, bigMb: 0.01, cancelEvery: 2 },
    reloadEnv: true,
    hostVersion: 'test',
    appDirectory: '/app',
    newGuid: () => `00000000-0000-0000-0000-${String(++guid).padStart(12, '0')}`,
    now: () => (clock += 1000n),
    wallNow: () => 0,
    recordLatency: (_fn, ns) => latencies.push(ns),
    latencies,
    ...extra,
  };
}

/**
 * Wire the host script to the worker protocol in memory: messages are delivered one at
 * a time in FIFO order per direction; worker timers fire when the host has nothing to
 * say. Returns every message kind each side sent, in order.
 */
function converse(host: HostScript, worker: WorkerProtocol, maxSteps = 10_000) {
  const toHost: Uint8Array[] = [];
  const toWorker: Uint8Array[] = [];
  const log = {
    toHost: [] as string[],
    toWorker: [] as string[],
    hostEffects: [] as HostEffect['type'][],
    inFlightMax: 0,
  };
  const timers: string[] = [];
  const fromWorker = (effects: WorkerEffect[]) => {
    for (const e of effects) {
      if (e.type === 'send') toHost.push(e.bytes);
      else if (e.type === 'set-timer') timers.push(e.id);
      else if (e.type === 'clear-timer') timers.splice(timers.indexOf(e.id), 1);
    }
  };
  fromWorker(worker.start());
  const outstanding = new Set<string>();
  for (let step = 0; step < maxSteps; step++) {
    if (toHost.length > 0) {
      const b = toHost.shift()!;
      const d = describeBytes(b);
      log.toHost.push(d.kind);
      if (d.kind === 'invocationResponse') outstanding.delete(d.invocationId!);
      for (const e of host.receive(b)) {
        log.hostEffects.push(e.type);
        if (e.type === 'send') toWorker.push(e.bytes);
      }
    } else if (toWorker.length > 0) {
      const b = toWorker.shift()!;
      const d = describeBytes(b);
      log.toWorker.push(d.kind);
      if (d.kind === 'invocationRequest') outstanding.add(d.invocationId!);
      log.inFlightMax = Math.max(log.inFlightMax, outstanding.size);
      fromWorker(worker.receive(b));
    } else if (timers.length > 0) {
      fromWorker(worker.timerFired(timers.shift()!));
    } else {
      return log;
    }
  }
  throw new Error('conversation did not settle');
}

const worker = (extra = {}) =>
  createWorkerProtocol({
    workerId: 'W',
    requestId: 'R',
    workerVersion: '1',
    runtime: { name: 'node', version: '20', bitness: 'x64', pid: 1 },
    ...extra,
  });

test('a full session against the reference worker: phases in order, every answer as expected', () => {
  const cfg = config();
  const host = createHostScript(cfg);
  const log = converse(host, worker());
  const st = host.state();
  assert.equal(st.phase, 'terminated');
  assert.equal(st.broken, undefined);
  assert.equal(st.unexpected, undefined, st.examples.join('\n'));
  assert.deepEqual(log.toWorker.slice(0, 3), [
    'workerInitRequest',
    'functionEnvironmentReloadRequest',
    'functionsMetadataRequest',
  ]);
  assert.equal(
    log.toWorker.filter((k) => k === 'functionLoadRequest').length,
    8,
    'every function the worker has is loaded',
  );
  assert.equal(log.toWorker.filter((k) => k === 'invocationRequest').length, 14);
  assert.equal(
    log.toWorker.filter((k) => k === 'invocationCancel').length,
    1,
    'the 2nd of 2 sleeps is cancelled',
  );
  assert.deepEqual(log.toWorker.slice(-2), ['workerStatusRequest', 'workerTerminate']);
  assert.equal(log.hostEffects.at(-1), 'terminated');
  assert.ok(log.inFlightMax <= 3, `at most 3 in flight (saw ${log.inFlightMax})`);
  assert.equal(st.answered, 14);
  assert.equal(st.byFunction.sleep!.cancelled, 1);
  assert.equal(st.byFunction.fail!.failure, 2);
  assert.equal(st.logs.invocation, 2 * 2 + 2);
  assert.equal(st.statusEchoed, true);
  assert.equal(cfg.latencies.length, 14);
  assert.ok(cfg.latencies.every((ns) => ns > 0));
});

test('a worker advertising SupportsLoadResponseCollection gets one collection', () => {
  const host = createHostScript(config({ reloadEnv: false, functions: ['noop'], invocations: 2 }));
  const log = converse(host, worker({ loadCollection: true }));
  assert.deepEqual(log.toWorker.slice(0, 3), [
    'workerInitRequest',
    'functionsMetadataRequest',
    'functionLoadRequestCollection',
  ]);
  assert.equal(host.state().unexpected, undefined);
});

test("invocation requests look like a host's HTTP trigger", () => {
  const host = createHostScript(config({ functions: ['echo'], invocations: 1, reloadEnv: false }));
  const w = worker();
  let request: Uint8Array | undefined;
  const feed = (bytes: Uint8Array[]): void => {
    for (const b of bytes) {
      if (describeBytes(b).kind === 'invocationRequest') request = b;
      const replies = w.receive(b).flatMap((e) => (e.type === 'send' ? [e.bytes] : []));
      feed(replies.flatMap((r) => host.receive(r).flatMap((e) => (e.type === 'send' ? [e.bytes] : []))));
    }
  };
  feed(
    w
      .start()
      .flatMap((e) =>
        e.type === 'send' ? host.receive(e.bytes).flatMap((h) => (h.type === 'send' ? [h.bytes] : [])) : [],
      ),
  );
  assert.ok(request);
  const m = decodeMessage(request);
  if (m.content.case !== 'invocationRequest') throw new Error();
  const r = m.content.value;
  assert.equal(r.functionId, 'echo', 'worker-indexed: the id is the name');
  assert.match(r.invocationId, /^[0-9a-f-]{36}$/);
  assert.match(r.traceContext!.traceParent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
  assert.deepEqual(Object.keys(r.triggerMetadata).sort(), ['Headers', 'Query', 'sys']);
  const http =
    r.inputData[0]!.rpcData.case === 'data' && r.inputData[0]!.rpcData.value.data.case === 'http'
      ? r.inputData[0]!.rpcData.value.data.value
      : undefined;
  assert.equal(http?.method, 'POST');
  assert.equal(http?.rawBody?.data.case, 'bytes', 'the worker asked for RawHttpBodyBytes');
  assert.equal(http?.headers['content-type'], 'application/json');
});

const broken: Array<{ name: string; first: Uint8Array; want: RegExp }> = [
  {
    name: 'wrong worker id',
    first: encodeMessage(makeMessage(msg('startStream', { workerId: 'other' }))),
    want: /worker id other is not W/,
  },
  {
    name: 'not StartStream first',
    first: encodeMessage(makeMessage(msg('workerStatusResponse', {}))),
    want: /first message was workerStatusResponse/,
  },
  { name: 'garbage first', first: new Uint8Array([0xff, 0xff]), want: /undecodable/ },
];
for (const c of broken) {
  test(`the host aborts on ${c.name}`, () => {
    const host = createHostScript(config());
    const effects = host.receive(c.first);
    assert.equal(effects.length, 1);
    assert.equal(effects[0]!.type, 'abort');
    assert.match(host.state().broken ?? '', c.want);
    assert.deepEqual(host.receive(c.first), [], 'nothing more after abort');
  });
}

test('a wrong answer is counted once as unexpected and the run still terminates the worker', () => {
  const host = createHostScript(config({ functions: ['hello'], invocations: 2, reloadEnv: false }));
  const log = converse(
    host,
    createWorkerProtocol({
      workerId: 'W',
      requestId: 'R',
      workerVersion: '1',
      runtime: { name: 'n', version: '1', bitness: 'x', pid: 1 },
      greeting: 'Hello',
      functions: [
        {
          name: 'hello',
          summary: '',
          run: () => ({ type: 'return', output: { status: 200, contentType: 'text/plain', body: 'wrong' } }),
        },
      ],
    }),
  );
  const st = host.state();
  assert.equal(st.byFunction.hello!.unexpected, 2);
  assert.match(st.unexpected ?? '', /expected it to end with ", Ada!"/);
  assert.equal(log.toWorker.at(-1), 'workerTerminate');
});

test('broke() after terminate changes nothing; before, it marks the run broken', () => {
  const a = createHostScript(config({ functions: ['noop'], invocations: 1, reloadEnv: false }));
  converse(a, worker());
  a.broke('late');
  assert.equal(a.state().broken, undefined);
  const b = createHostScript(config());
  b.broke('the stream ended');
  assert.equal(b.state().phase, 'aborted');
  assert.equal(b.state().broken, 'the stream ended');
});

test('a worker without WorkerStatus, cancel or terminate capabilities is never sent those messages', () => {
  const real = worker();
  const bare: WorkerProtocol = {
    ...real,
    start: () => real.start(),
    receive(bytes) {
      return real.receive(bytes).map((e) => {
        if (e.type !== 'send' || describeBytes(e.bytes).kind !== 'workerInitResponse') return e;
        const m = decodeMessage(e.bytes);
        if (m.content.case === 'workerInitResponse')
          m.content.value.capabilities = { RawHttpBodyBytes: 'true' };
        return { type: 'send', bytes: encodeMessage(m) };
      });
    },
  };
  const host = createHostScript(
    config({
      functions: ['sleep', 'hello'],
      invocations: 6,
      reloadEnv: false,
      plan: { logCount: 1, bigMb: 0, cancelEvery: 1 },
    }),
  );
  const log = converse(host, bare);
  const st = host.state();
  assert.equal(st.unexpected, undefined, st.examples.join('\n'));
  assert.ok(!log.toWorker.includes('invocationCancel'));
  assert.ok(!log.toWorker.includes('workerStatusRequest'));
  assert.ok(!log.toWorker.includes('workerTerminate'));
  assert.equal(st.statusSent, false);
  assert.equal(st.byFunction.sleep!.success, 3, 'sleeps run to the end instead of being cancelled');
  assert.equal(log.hostEffects.at(-1), 'terminated');
});

test('a stream that breaks mid-run keeps the time of the last answer: the run had a throughput', () => {
  const real = worker();
  let answers = 0;
  const dropsAfterThree: WorkerProtocol = {
    ...real,
    start: () => real.start(),
    receive: (bytes) =>
      real
        .receive(bytes)
        .filter(
          (e) => e.type !== 'send' || describeBytes(e.bytes).kind !== 'invocationResponse' || ++answers <= 3,
        ),
  };
  const host = createHostScript(config({ functions: ['hello'], invocations: 10, reloadEnv: false }));
  converse(host, dropsAfterThree);
  host.broke('the stream ended');
  const st = host.state();
  assert.equal(st.answered, 3);
  assert.equal(st.statusSent, false);
  assert.ok(
    st.invokeStartNs !== undefined && st.invokeEndNs !== undefined && st.invokeEndNs > st.invokeStartNs,
    'the answered window is known',
  );
});
