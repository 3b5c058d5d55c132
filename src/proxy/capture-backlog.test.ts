import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CaptureRecorder, SessionOpening } from './capture-recorder.js';
import { createCaptureBacklog } from './capture-backlog.js';

/** A recorder that logs every call it gets, with the times it was given. */
function fakeRecorder() {
  const calls: string[] = [];
  let next = 1;
  const recorder: CaptureRecorder = {
    open(opening: SessionOpening) {
      const id = next++;
      calls.push(`open ${id} ${opening.path} at ${opening.hrNs}`);
      return {
        id,
        closed: false,
        message: (direction, _compressed, bytes, sinceOpenNs) =>
          calls.push(`msg ${id} ${direction} ${Buffer.from(bytes).toString()} at +${sinceOpenNs}`),
        close: (end) => calls.push(`close ${id} ${end.reason} at ${end.hrNs}`),
      };
    },
    paused: false,
    failed: false,
    stats: () => ({
      sessionsOpened: 0,
      sessionsClosed: 0,
      frames: { toHost: 0, toWorker: 0 },
      bytes: { toHost: 0, toWorker: 0 },
      pauses: 0,
      storeErrors: 0,
    }),
  };
  return { recorder, calls };
}

const opening = (path: string, hrNs: bigint): SessionOpening => ({
  upstream: 'h:1',
  path,
  metadata: {},
  hrNs,
  wallMs: 1,
});
const bytes = (s: string) => Buffer.from(s);

test('observations before start are replayed in the order they happened, with their own times; later ones go straight through', () => {
  const flow: string[] = [];
  const backlog = createCaptureBacklog({
    highWaterBytes: 1 << 20,
    flow: { pause: () => flow.push('pause'), resume: () => flow.push('resume') },
  });
  const a = backlog.open(opening('/a', 10n));
  a.message('toHost', false, bytes('a1'), 11);
  const b = backlog.open(opening('/b', 12n));
  b.message('toWorker', false, bytes('b1'), 13);
  a.message('toWorker', false, bytes('a2'), 14);
  b.close({ status: null, reason: 'worker-gone', hrNs: 15n });
  assert.equal(backlog.queuedBytes, 6);

  const { recorder, calls } = fakeRecorder();
  assert.deepEqual(calls, [], 'nothing reaches the recorder before start');
  backlog.start(recorder);
  a.message('toHost', false, bytes('a3'), 16);
  const c = backlog.open(opening('/c', 17n));
  c.message('toHost', false, bytes('c1'), 18);
  a.close({ status: { code: 0, details: '' }, reason: 'completed', hrNs: 19n });

  assert.deepEqual(calls, [
    'open 1 /a at 10',
    'msg 1 toHost a1 at +11',
    'open 2 /b at 12',
    'msg 2 toWorker b1 at +13',
    'msg 1 toWorker a2 at +14',
    'close 2 worker-gone at 15',
    'msg 1 toHost a3 at +16',
    'open 3 /c at 17',
    'msg 3 toHost c1 at +18',
    'close 1 completed at 19',
  ]);
  assert.equal(backlog.queuedBytes, 0);
  assert.deepEqual(flow, [], 'below the high-water mark the peers are never paused');
});

test('above the high-water mark the peers are paused once, and resumed after the replay', () => {
  const events: string[] = [];
  const backlog = createCaptureBacklog({
    highWaterBytes: 10,
    flow: { pause: () => events.push('pause'), resume: () => events.push('resume') },
  });
  const s = backlog.open(opening('/a', 1n));
  for (let i = 0; i < 5; i++) s.message('toHost', false, bytes(`m${i}xx`), 2 + i);
  assert.deepEqual(events, ['pause'], 'paused once, when 12 bytes > 10 were queued');
  const { recorder, calls } = fakeRecorder();
  backlog.start({
    ...recorder,
    open: (o) => {
      const sess = recorder.open(o);
      events.push('replay');
      return sess;
    },
  });
  assert.deepEqual(events, ['pause', 'replay', 'resume']);
  assert.equal(calls.length, 6, 'every queued message was replayed: none dropped at the high-water mark');
});

test('discard (the store did not open) forgets the queue, resumes the peers and ignores what comes later', () => {
  const events: string[] = [];
  const backlog = createCaptureBacklog({
    highWaterBytes: 1,
    flow: { pause: () => events.push('pause'), resume: () => events.push('resume') },
  });
  const s = backlog.open(opening('/a', 1n));
  s.message('toHost', false, bytes('xyz'), 2);
  backlog.discard();
  s.message('toHost', false, bytes('late'), 3);
  s.close({ status: null, reason: 'store-error', hrNs: 4n });
  assert.deepEqual(events, ['pause', 'resume']);
  assert.equal(backlog.queuedBytes, 0);
  assert.throws(() => backlog.start(fakeRecorder().recorder), /already started or discarded/);
});

test('a negative high-water mark pauses the peers as soon as a stream opens, before any message', () => {
  const events: string[] = [];
  const backlog = createCaptureBacklog({
    highWaterBytes: -1,
    flow: { pause: () => events.push('pause'), resume: () => events.push('resume') },
  });
  backlog.open(opening('/a', 1n));
  assert.deepEqual(events, ['pause']);
  backlog.start(fakeRecorder().recorder);
  assert.deepEqual(events, ['pause', 'resume']);
});
