import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CaptureEvent } from '../model/event.js';
import type { CaptureStore, StoreStats } from '../model/store.js';
import { createCaptureRecorder, type CaptureRecorderOptions } from './capture-recorder.js';

/**
 * A store that keeps events in memory; `full` makes write() report backpressure. With
 * `direct`, it also has `writeFrame`, whose frames it files as the same events (tNs as
 * a bigint), so both paths can be compared.
 */
function fakeStore(direct = false) {
  const events: CaptureEvent[] = [];
  let nextId = 41;
  let errorHandler: ((err: Error) => void) | undefined;
  let release: (() => void) | undefined;
  const state = { full: false, drainCalls: 0 };
  const store: CaptureStore = {
    allocateSessionId: () => nextId++,
    write(event) {
      events.push(event);
      return !state.full;
    },
    drained() {
      state.drainCalls += 1;
      return new Promise<void>((resolve) => (release = resolve));
    },
    flush: async () => {},
    close: async () => {},
    onError(handler) {
      errorHandler = handler;
    },
    stats: (): StoreStats => ({ accepted: 0, stored: 0, failed: 0, queued: 0 }),
  };
  if (direct) {
    store.writeFrame = (sessionId, seq, dirSeq, direction, tNs, wallMs, compressed, bytes) => {
      assert.ok(Number.isSafeInteger(tNs), `tNs ${tNs} is a whole number of ns`);
      events.push({
        type: 'frame',
        frame: { sessionId, seq, dirSeq, direction, tNs: BigInt(tNs), wallMs, compressed, bytes },
      });
      return !state.full;
    };
  }
  return {
    store,
    events,
    state,
    drain: () => {
      state.full = false;
      release?.();
    },
    fail: (err: Error) => errorHandler?.(err),
  };
}

function setup(extra: Partial<CaptureRecorderOptions> = {}, direct = false) {
  const fake = fakeStore(direct);
  const flow: string[] = [];
  const errors: [string, boolean][] = [];
  const recorder = createCaptureRecorder({
    store: fake.store,
    functapeVersion: '9.9.9',
    schemaVersion: 'test-schema',
    flow: { pause: () => flow.push('pause'), resume: () => flow.push('resume') },
    storeError: (err, fatal) => errors.push([err.message, fatal]),
    ...extra,
  });
  return { ...fake, recorder, flow, errors };
}

const opening = {
  upstream: '127.0.0.1:7071',
  path: '/AzureFunctionsRpcMessages.FunctionRpc/EventStream',
  metadata: { 'x-a': ['1'] },
  hrNs: 1_000_000_000n,
  wallMs: 1_700_000_000_000,
};
const b = (...xs: number[]) => new Uint8Array(xs);

test('a session is start, frames with seq/dirSeq/tNs/wallMs, end', () => {
  const { recorder, events } = setup({ label: 'run-1' });
  const s = recorder.open(opening);
  assert.equal(s.id, 41);
  const script: ['toHost' | 'toWorker', number][] = [
    ['toHost', 0],
    ['toWorker', 500_000],
    ['toWorker', 2_000_000],
    ['toHost', 3_000_001],
  ];
  script.forEach(([dir, t], i) => s.message(dir, i === 3, b(i), t));
  s.close({ status: { code: 0, details: 'OK' }, reason: 'completed', hrNs: 1_010_000_000n });
  s.message('toHost', false, b(9), 11_000_000); // after close: ignored
  s.close({ status: null, reason: 'worker-gone', hrNs: 1_012_000_000n }); // second close: ignored

  assert.equal(events.length, 6);
  assert.deepEqual(events[0], {
    type: 'session-start',
    session: {
      id: 41,
      label: 'run-1',
      startWallMs: 1_700_000_000_000,
      upstream: '127.0.0.1:7071',
      path: opening.path,
      metadata: { 'x-a': ['1'] },
      functapeVersion: '9.9.9',
      schemaVersion: 'test-schema',
    },
  });
  const frames = events.slice(1, 5).map((e) => (e.type === 'frame' ? e.frame : assert.fail('not a frame')));
  assert.deepEqual(
    frames.map((f) => [f.seq, f.dirSeq, f.direction, f.tNs, f.compressed]),
    [
      [0, 0, 'toHost', 0n, false],
      [1, 0, 'toWorker', 500_000n, false],
      [2, 1, 'toWorker', 2_000_000n, false],
      [3, 1, 'toHost', 3_000_001n, true],
    ],
  );
  assert.deepEqual(
    frames.map((f) => f.wallMs),
    [1_700_000_000_000, 1_700_000_000_000.5, 1_700_000_000_002, 1_700_000_000_003.000001],
  );
  assert.ok(frames.every((f) => f.sessionId === 41));
  assert.deepEqual(events[5], {
    type: 'session-end',
    end: {
      id: 41,
      endNs: 10_000_000n,
      endWallMs: 1_700_000_000_010,
      status: { code: 0, details: 'OK' },
      reason: 'completed',
    },
  });
  assert.deepEqual(recorder.stats(), {
    sessionsOpened: 1,
    sessionsClosed: 1,
    frames: { toHost: 2, toWorker: 2 },
    bytes: { toHost: 2, toWorker: 2 },
    pauses: 0,
    storeErrors: 0,
  });
});

test('frame bytes go to the store as the very same array (no copy, no decode)', () => {
  const { recorder, events } = setup();
  const s = recorder.open(opening);
  const bytes = b(0xff, 0xff, 0xff); // not a valid StreamingMessage: still just bytes here
  s.message('toHost', false, bytes, 0);
  const e = events[1]!;
  assert.ok(e.type === 'frame' && e.frame.bytes === bytes);
});

test('interleaved sessions keep their own ids and sequence numbers', () => {
  const { recorder, events } = setup();
  const a = recorder.open(opening);
  const c = recorder.open({ ...opening, hrNs: 2_000_000_000n });
  a.message('toHost', false, b(1), 100_000_000);
  c.message('toHost', false, b(2), 100_000_000);
  a.message('toHost', false, b(3), 200_000_000);
  c.close({ status: { code: 14, details: 'Connection dropped' }, reason: 'host-gone', hrNs: 2_200_000_000n });
  a.close({ status: null, reason: 'worker-gone', hrNs: 1_300_000_000n });
  const frames = events.flatMap((e) =>
    e.type === 'frame' ? [[e.frame.sessionId, e.frame.seq, e.frame.tNs]] : [],
  );
  assert.deepEqual(frames, [
    [41, 0, 100_000_000n],
    [42, 0, 100_000_000n],
    [41, 1, 200_000_000n],
  ]);
  const ends = events.flatMap((e) => (e.type === 'session-end' ? [[e.end.id, e.end.reason]] : []));
  assert.deepEqual(ends, [
    [42, 'host-gone'],
    [41, 'worker-gone'],
  ]);
});

test('a clock that steps back gives tNs 0, never negative', () => {
  const { recorder, events } = setup();
  const s = recorder.open(opening);
  s.message('toWorker', false, b(), -5);
  const e = events[1]!;
  assert.ok(e.type === 'frame' && e.frame.tNs === 0n && e.frame.bytes.length === 0);
});

test('store backpressure pauses once and resumes when the store drains', async () => {
  const { recorder, state, flow, drain } = setup();
  const s = recorder.open(opening);
  state.full = true;
  s.message('toHost', false, b(1), 0);
  s.message('toHost', false, b(2), 0);
  s.message('toWorker', false, b(3), 0);
  assert.deepEqual(flow, ['pause']);
  assert.equal(state.drainCalls, 1);
  assert.equal(recorder.paused, true);
  drain();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(flow, ['pause', 'resume']);
  assert.equal(recorder.paused, false);
  state.full = true;
  s.message('toHost', false, b(4), 0);
  assert.deepEqual(flow, ['pause', 'resume', 'pause']);
  assert.equal(recorder.stats().pauses, 2);
});

test('store errors: forward reports each and goes on; fail reports the first as fatal', () => {
  const fwd = setup({ onStoreError: 'forward' });
  fwd.fail(new Error('disk full'));
  fwd.fail(new Error('disk full again'));
  assert.deepEqual(fwd.errors, [
    ['disk full', false],
    ['disk full again', false],
  ]);
  assert.equal(fwd.recorder.failed, false);
  assert.equal(fwd.recorder.stats().storeErrors, 2);

  const fail = setup({ onStoreError: 'fail' });
  fail.fail(new Error('disk full'));
  fail.fail(new Error('disk full again'));
  assert.deepEqual(fail.errors, [['disk full', true]]);
  assert.equal(fail.recorder.failed, true);
});

/** The same observations through a recorder over `store` (with or without writeFrame). */
function script(direct: boolean) {
  const run = setup({ label: 'x' }, direct);
  const a = run.recorder.open(opening);
  const c = run.recorder.open({ ...opening, hrNs: 2_000_000_000n, wallMs: 1_700_000_001_000 });
  a.message('toHost', false, b(1), 0);
  c.message('toWorker', true, b(2, 3), 1_500);
  a.message('toWorker', false, b(4), 2_000_000.4); // a fraction of a ns is rounded
  a.message('toHost', false, b(), -1); // before the opening: 0
  c.message('toHost', false, b(5), 2 ** 53 - 1); // the largest exact offset (~104 days)
  a.close({ status: { code: 0, details: '' }, reason: 'completed', hrNs: 1_100_000_000n });
  c.close({ status: null, reason: 'worker-gone', hrNs: 2_000_000_000n + 2n ** 53n });
  return run;
}

test('a store with writeFrame gets exactly the frames, times and order the event path gives', () => {
  const viaEvents = script(false);
  const viaFields = script(true);
  assert.deepEqual(viaFields.events, viaEvents.events);
  assert.deepEqual(viaFields.recorder.stats(), viaEvents.recorder.stats());
  const frames = viaFields.events.flatMap((e) =>
    e.type === 'frame' ? [[e.frame.sessionId, e.frame.seq, e.frame.dirSeq, e.frame.tNs, e.frame.wallMs]] : [],
  );
  assert.deepEqual(frames, [
    [41, 0, 0, 0n, 1_700_000_000_000],
    [42, 0, 0, 1_500n, 1_700_000_001_000.0015],
    [41, 1, 0, 2_000_000n, 1_700_000_000_002],
    [41, 2, 1, 0n, 1_700_000_000_000],
    [42, 1, 0, 2n ** 53n - 1n, 1_700_000_001_000 + (2 ** 53 - 1) / 1e6],
  ]);
});

test('writeFrame backpressure pauses once and resumes when the store drains', async () => {
  const { recorder, state, flow, drain } = setup({}, true);
  const s = recorder.open(opening);
  state.full = true;
  s.message('toHost', false, b(1), 0);
  s.message('toWorker', false, b(2), 1);
  assert.deepEqual(flow, ['pause']);
  drain();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(flow, ['pause', 'resume']);
  assert.equal(recorder.paused, false);
});

test('a worker that goes away after WorkerTerminate ended the session as the protocol asks: terminated, within its grace', async () => {
  const { encodeMessage, makeMessage } = await import('../codec/streaming-message.js');
  const terminate = encodeMessage(
    makeMessage({
      requestId: 'r',
      content: { case: 'workerTerminate', value: { gracePeriod: { seconds: 5n, nanos: 0 } } },
    }),
  );
  const { recorder, events } = setup();
  const a = recorder.open(opening);
  a.message('toWorker', false, terminate, 100_000_000);
  a.close({
    status: { code: 1, details: 'the worker ended the stream (RST_STREAM code 8)' },
    reason: 'worker-gone',
    hrNs: opening.hrNs + 112_000_000n,
  });
  const gone = recorder.open(opening); // no WorkerTerminate: still worker-gone
  gone.message('toWorker', false, b(1), 100_000_000);
  gone.close({ status: { code: 1, details: 'x' }, reason: 'worker-gone', hrNs: opening.hrNs + 200_000_000n });
  const late = recorder.open(opening); // terminated, but after the grace period
  late.message('toWorker', false, terminate, 0);
  late.close({ status: null, reason: 'worker-gone', hrNs: opening.hrNs + 6_000_000_000n });
  const ends = events.flatMap((e) =>
    e.type === 'session-end' ? [[e.end.reason, e.end.status?.code, e.end.status?.details]] : [],
  );
  assert.deepEqual(ends, [
    [
      'terminated',
      1,
      'the worker ended its stream 12.0 ms after WorkerTerminate, within its 5 s grace period',
    ],
    ['worker-gone', 1, 'x'],
    [
      'terminated',
      1,
      'the worker ended its stream 6000 ms after WorkerTerminate, after its 5 s grace period',
    ],
  ]);
});
