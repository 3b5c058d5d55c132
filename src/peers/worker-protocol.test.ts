import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeMessage,
  encodeMessage,
  makeMessage,
  type StreamingMessage,
} from '../codec/streaming-message.js';
import {
  CRASH_EXIT_CODE,
  createWorkerProtocol,
  type WorkerEffect,
  type WorkerProtocol,
} from './worker-protocol.js';
import { createNoopAnswer } from './noop-answer.js';
import { httpReturnValue } from './http-data.js';
import { msg, STATUS, success, type MessageInit } from './messages.js';

const W = 'worker-guid';
const R = 'request-guid';

function worker(extra: Partial<Parameters<typeof createWorkerProtocol>[0]> = {}): WorkerProtocol {
  return createWorkerProtocol({
    workerId: W,
    requestId: R,
    workerVersion: '9.9.9',
    runtime: { name: 'node', version: '20.0.0', bitness: 'x64', pid: 42 },
    ...extra,
  });
}
const enc = (init: MessageInit) => encodeMessage(makeMessage(init));
const sent = (effects: WorkerEffect[]): StreamingMessage[] =>
  effects.filter((e) => e.type === 'send').map((e) => decodeMessage((e as { bytes: Uint8Array }).bytes));
const only = (effects: WorkerEffect[]) => {
  const s = sent(effects);
  assert.equal(s.length, 1, `one message sent, got ${s.map((m) => m.content.case).join(',')}`);
  return s[0]!;
};

function invocation(
  invocationId: string,
  functionId: string,
  query: Record<string, string> = {},
  body?: Uint8Array,
): MessageInit {
  return msg('invocationRequest', {
    invocationId,
    functionId,
    inputData: [
      {
        name: 'req',
        rpcData: {
          case: 'data',
          value: {
            data: {
              case: 'http',
              value: {
                method: 'POST',
                url: `http://localhost/api/${functionId}`,
                query,
                headers: { 'Content-Type': 'application/json' },
                ...(body ? { rawBody: { data: { case: 'bytes', value: body } } } : {}),
              },
            },
          },
        },
      },
    ],
  });
}

/** A worker that went through init, metadata and load of every built-in. */
function loadedWorker(extra: Parameters<typeof worker>[0] = {}): WorkerProtocol {
  const w = worker(extra);
  w.start();
  w.receive(enc(msg('workerInitRequest', { hostVersion: '4.0', capabilities: { MultiStream: '10' } })));
  const md = only(w.receive(enc(msg('functionsMetadataRequest', { functionAppDirectory: '/app' }))));
  assert.equal(md.content.case, 'functionMetadataResponse');
  if (md.content.case !== 'functionMetadataResponse') throw new Error();
  for (const f of md.content.value.functionMetadataResults) {
    const r = only(w.receive(enc(msg('functionLoadRequest', { functionId: f.functionId, metadata: f }))));
    assert.equal(r.content.case === 'functionLoadResponse' && r.content.value.result?.status, STATUS.Success);
  }
  return w;
}

function response(m: StreamingMessage) {
  assert.equal(m.content.case, 'invocationResponse');
  if (m.content.case !== 'invocationResponse') throw new Error();
  return m.content.value;
}
function httpBody(m: StreamingMessage): string {
  const rv = response(m).returnValue;
  assert.equal(rv?.data.case, 'http');
  if (rv?.data.case !== 'http') throw new Error();
  const b = rv.data.value.body?.data;
  return b?.case === 'string' ? b.value : Buffer.from(b?.value as Uint8Array).toString();
}

test('start sends StartStream with the worker id and the startup request id', () => {
  const m = only(worker().start());
  assert.equal(m.requestId, R);
  assert.deepEqual(m.content.case === 'startStream' && m.content.value.workerId, W);
});

test('init answers with capabilities, Success and worker metadata, echoing request_id', () => {
  const w = worker();
  const m = only(w.receive(enc(msg('workerInitRequest', { hostVersion: '4.0' }, 'rid-1'))));
  assert.equal(m.requestId, 'rid-1');
  assert.equal(m.content.case, 'workerInitResponse');
  if (m.content.case !== 'workerInitResponse') return;
  for (const cap of [
    'WorkerStatus',
    'HandlesWorkerTerminateMessage',
    'HandlesInvocationCancelMessage',
    'RawHttpBodyBytes',
    'TypedDataCollection',
  ]) {
    assert.ok(cap in m.content.value.capabilities, cap);
  }
  assert.ok(!('SupportsLoadResponseCollection' in m.content.value.capabilities));
  assert.equal(m.content.value.result?.status, STATUS.Success);
  assert.equal(m.content.value.workerMetadata?.workerVersion, '9.9.9');
  assert.equal(m.content.value.workerMetadata?.customProperties.pid, '42');
  const withColl = only(worker({ loadCollection: true }).receive(enc(msg('workerInitRequest', {}))));
  assert.ok(
    withColl.content.case === 'workerInitResponse' &&
      'SupportsLoadResponseCollection' in withColl.content.value.capabilities,
  );
});

test('metadata lists the built-ins as worker-indexed functions (function_id = name) with HTTP bindings', () => {
  const m = only(worker().receive(enc(msg('functionsMetadataRequest', { functionAppDirectory: '/app' }))));
  if (m.content.case !== 'functionMetadataResponse') throw new Error(m.content.case);
  const names = m.content.value.functionMetadataResults.map((f) => f.name);
  assert.deepEqual(names, ['echo', 'hello', 'sleep', 'fail', 'log', 'big', 'noop', 'crash']);
  for (const f of m.content.value.functionMetadataResults) {
    assert.equal(f.functionId, f.name);
    assert.equal(f.directory, '/app');
    assert.deepEqual(Object.keys(f.bindings).sort(), ['$return', 'req']);
    assert.equal(f.rawBindings.length, 2);
  }
});

test('load: unknown names fail, host-indexed GUID ids work, a collection gets a collection', () => {
  const w = worker();
  const bad = only(
    w.receive(enc(msg('functionLoadRequest', { functionId: 'nope', metadata: { name: 'nope' } }))),
  );
  assert.equal(
    bad.content.case === 'functionLoadResponse' && bad.content.value.result?.status,
    STATUS.Failure,
  );
  const coll = only(
    w.receive(
      enc(
        msg('functionLoadRequestCollection', {
          functionLoadRequests: [
            { functionId: 'guid-1', metadata: { name: 'hello' } },
            { functionId: 'guid-2', metadata: { name: 'noop' } },
          ],
        }),
      ),
    ),
  );
  if (coll.content.case !== 'functionLoadResponseCollection') throw new Error(coll.content.case);
  assert.deepEqual(
    coll.content.value.functionLoadResponses.map((r) => [r.functionId, r.result?.status]),
    [
      ['guid-1', 1],
      ['guid-2', 1],
    ],
  );
  assert.equal(httpBody(only(w.receive(enc(invocation('i1', 'guid-1', { name: 'Ada' }))))), 'Hello, Ada!');
});

const cases: Array<{
  fn: string;
  query?: Record<string, string>;
  body?: string;
  check: (m: StreamingMessage[]) => void;
}> = [
  { fn: 'echo', body: '{"a":1}', check: (ms) => assert.equal(httpBody(ms.at(-1)!), '{"a":1}') },
  { fn: 'hello', query: { name: 'Grace' }, check: (ms) => assert.equal(httpBody(ms.at(-1)!), 'Hi, Grace!') },
  { fn: 'hello', check: (ms) => assert.equal(httpBody(ms.at(-1)!), 'Hi, world!') },
  { fn: 'big', query: { mb: '0.5' }, check: (ms) => assert.equal(httpBody(ms.at(-1)!).length, 512 * 1024) },
  { fn: 'noop', check: (ms) => assert.equal(response(ms[0]!).result?.status, STATUS.Success) },
  {
    fn: 'log',
    query: { count: '7' },
    check: (ms) => {
      assert.equal(ms.length, 8);
      for (const m of ms.slice(0, 7))
        assert.ok(m.content.case === 'rpcLog' && m.content.value.invocationId === 'inv');
      assert.equal(httpBody(ms[7]!), 'logged 7 lines');
    },
  },
  {
    fn: 'fail',
    check: (ms) => {
      const r = response(ms.at(-1)!);
      assert.equal(r.result?.status, STATUS.Failure);
      assert.equal(r.result?.exception?.message, 'fail was asked to fail');
      assert.equal(r.result?.exception?.isUserException, true);
      assert.equal(ms[0]!.content.case, 'rpcLog');
    },
  },
];

for (const c of cases) {
  test(`invocation of ${c.fn} ${JSON.stringify(c.query ?? {})}: answered at once, deterministically`, () => {
    const a = loadedWorker({ greeting: 'Hi' }).receive(
      enc(invocation('inv', c.fn, c.query, c.body ? Buffer.from(c.body) : undefined)),
    );
    const b = loadedWorker({ greeting: 'Hi' }).receive(
      enc(invocation('inv', c.fn, c.query, c.body ? Buffer.from(c.body) : undefined)),
    );
    assert.deepEqual(a, b, 'same request, same bytes');
    assert.ok(a.every((e) => e.type === 'send'));
    c.check(sent(a));
  });
}

test('sleep sets a timer, answers when it fires; a cancel answers Cancelled and clears it', () => {
  const w = loadedWorker();
  assert.deepEqual(w.receive(enc(invocation('s1', 'sleep', { ms: '25' }))), [
    { type: 'set-timer', id: 's1', ms: 25 },
  ]);
  assert.deepEqual(w.receive(enc(invocation('s2', 'sleep', { ms: '60000' }))), [
    { type: 'set-timer', id: 's2', ms: 60000 },
  ]);
  assert.equal(w.stats().sleeping, 2);
  const cancel = w.receive(enc(msg('invocationCancel', { invocationId: 's2' })));
  assert.deepEqual(cancel[0], { type: 'clear-timer', id: 's2' });
  assert.equal(response(only(cancel)).result?.status, STATUS.Cancelled);
  assert.deepEqual(
    w.receive(enc(msg('invocationCancel', { invocationId: 's2' }))),
    [],
    'a second cancel is ignored',
  );
  assert.equal(httpBody(only(w.timerFired('s1'))), 'slept 25 ms');
  assert.deepEqual(w.timerFired('s1'), [], 'a stale timer does nothing');
});

test('status request echoes request_id; env reload and warmup are answered', () => {
  const w = worker();
  const st = only(w.receive(enc(msg('workerStatusRequest', {}, 'status-7'))));
  assert.equal(st.requestId, 'status-7');
  assert.equal(st.content.case, 'workerStatusResponse');
  const rl = only(
    w.receive(
      enc(
        msg('functionEnvironmentReloadRequest', {
          environmentVariables: { SECRET: 'x' },
          functionAppDirectory: '/new',
        }),
      ),
    ),
  );
  assert.ok(
    rl.content.case === 'functionEnvironmentReloadResponse' &&
      rl.content.value.result?.status === STATUS.Success,
  );
  const wu = only(w.receive(enc(msg('workerWarmupRequest', { workerDirectory: '/w' }))));
  assert.equal(wu.content.case, 'workerWarmupResponse');
});

test('terminate: sleeps in flight finish, then the stream ends with the grace period; later messages are ignored', () => {
  const w = loadedWorker();
  w.receive(enc(invocation('s1', 'sleep', { ms: '1000' })));
  const t = w.receive(enc(msg('workerTerminate', { gracePeriod: { seconds: 2n, nanos: 500_000_000 } })));
  assert.deepEqual(t, [{ type: 'set-timer', id: '\0drain', ms: 2500 }]);
  assert.deepEqual(w.receive(enc(msg('workerStatusRequest', {}, 'x'))), []);
  const done = w.timerFired('s1');
  assert.equal(
    response(decodeMessage((done[0] as { bytes: Uint8Array }).bytes)).result?.status,
    STATUS.Success,
  );
  assert.deepEqual(done.slice(1), [
    { type: 'clear-timer', id: '\0drain' },
    { type: 'end', graceMs: 2500 },
  ]);
});

test('terminate: with nothing in flight the stream ends at once; a sleep past the grace period is dropped', () => {
  const idle = loadedWorker();
  assert.deepEqual(idle.receive(enc(msg('workerTerminate', {}))), [{ type: 'end', graceMs: 5000 }]);
  const w = loadedWorker();
  w.receive(enc(invocation('s1', 'sleep', { ms: '9000' })));
  w.receive(enc(msg('workerTerminate', { gracePeriod: { seconds: 1n, nanos: 0 } })));
  assert.deepEqual(w.timerFired('\0drain'), [
    { type: 'clear-timer', id: 's1' },
    { type: 'end', graceMs: 0 },
  ]);
  assert.deepEqual(w.timerFired('s1'), []);
});

test('ignored: heartbeat, file change, shared memory close, unknown function ids answered as failures, garbage', () => {
  const w = loadedWorker();
  assert.deepEqual(w.receive(enc(msg('workerHeartbeat', {}))), []);
  assert.deepEqual(w.receive(enc(msg('fileChangeEventRequest', {}))), []);
  assert.deepEqual(w.receive(enc(msg('closeSharedMemoryResourcesRequest', { mapNames: ['a'] }))), []);
  assert.deepEqual(w.receive(new Uint8Array([0xff, 0xff, 0xff])), []);
  assert.equal(w.stats().undecodable, 1);
  const r = response(only(w.receive(enc(invocation('x', 'not-loaded')))));
  assert.equal(r.result?.status, STATUS.Failure);
});

test('crash asks for an immediate exit', () => {
  const e = loadedWorker().receive(enc(invocation('c', 'crash')));
  assert.equal(e.length, 1);
  assert.ok(e[0]!.type === 'exit' && e[0]!.code === CRASH_EXIT_CODE);
});

test('the pre-encoded noop answer equals the ordinary encoding', () => {
  const output = { status: 200, contentType: 'text/plain', body: '' };
  const fast = createNoopAnswer(output)('3f2b8c1e-aaaa-bbbb-cccc-000000000001');
  const slow = encodeMessage(
    makeMessage(
      msg('invocationResponse', {
        invocationId: '3f2b8c1e-aaaa-bbbb-cccc-000000000001',
        returnValue: httpReturnValue(output),
        result: success(),
      }),
    ),
  );
  assert.deepEqual(fast, slow);
});

test('an invocation cost: every invocation (noop too) is work, then that many RpcLogs with its id, then the answer', () => {
  const cost = { workUs: 40, logs: 2 };
  for (const fn of ['noop', 'hello', 'log']) {
    const effects = loadedWorker({ cost }).receive(
      enc(invocation('inv-c', fn, fn === 'log' ? { count: '1' } : {})),
    );
    assert.deepEqual(effects[0], { type: 'work', us: 40 }, fn);
    const ms = sent(effects);
    const logs = ms.filter((m) => m.content.case === 'rpcLog');
    assert.equal(logs.length, fn === 'log' ? 3 : 2, `${fn}: the worker's 2, plus the function's own`);
    for (const l of logs) assert.ok(l.content.case === 'rpcLog' && l.content.value.invocationId === 'inv-c');
    assert.equal(response(ms.at(-1)!).result?.status, STATUS.Success);
  }
  // Without a cost (or a zero one) noop is still the pre-encoded answer alone.
  for (const extra of [{}, { cost: { workUs: 0, logs: 0 } }]) {
    const plain = loadedWorker(extra).receive(enc(invocation('inv-c', 'noop')));
    assert.deepEqual(plain, [{ type: 'send', bytes: createNoopAnswer()('inv-c') }]);
  }
});

test('--bug state: after a fail invocation, later hello answers greet wrongly; before it they are right', () => {
  const w = worker({ bugs: { state: true } });
  w.receive(enc(msg('functionLoadRequest', { functionId: 'hello', metadata: { name: 'hello' } })));
  w.receive(enc(msg('functionLoadRequest', { functionId: 'fail', metadata: { name: 'fail' } })));
  const body = (m: StreamingMessage) => JSON.stringify(m.content.value);
  assert.match(body(only(w.receive(enc(invocation('i1', 'hello', { name: 'Ada' }))))), /Hello, Ada!/);
  w.receive(enc(invocation('i2', 'fail')));
  assert.match(body(only(w.receive(enc(invocation('i3', 'hello', { name: 'Ada' }))))), /Goodbye, Ada!/);
});

test('--bug concurrency=N: the (N+1)th invocation in flight exits the worker; N in flight are fine', () => {
  const w = worker({ bugs: { concurrency: 2 } });
  w.receive(enc(msg('functionLoadRequest', { functionId: 'sleep', metadata: { name: 'sleep' } })));
  const kinds = (effects: WorkerEffect[]) => effects.map((e) => e.type);
  assert.deepEqual(kinds(w.receive(enc(invocation('s1', 'sleep', { ms: '50' })))), ['set-timer']);
  assert.deepEqual(kinds(w.receive(enc(invocation('s2', 'sleep', { ms: '50' })))), ['set-timer']);
  const third = w.receive(enc(invocation('s3', 'sleep', { ms: '50' })));
  assert.deepEqual(kinds(third), ['exit']);
  assert.equal((third[0] as { code: number }).code, CRASH_EXIT_CODE);
});
