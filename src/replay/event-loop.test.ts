import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWaker, warmWaker } from './event-loop.js';
import type { SleepMargin } from './sleep-margin.js';

const now = () => performance.now();
/** Timers and immediates this process has pending (what a finished wait must not leave behind). */
const pendingTimers = () =>
  process.getActiveResourcesInfo().filter((r) => r === 'Timeout' || r === 'Immediate').length;

test('a precise wait never ends before its deadline, and leaves no timer behind', async () => {
  const before = pendingTimers();
  const w = createWaker(now);
  for (const ms of [0.2, 1.5, 4]) {
    const at = now() + ms;
    await w.wait(at);
    assert.ok(now() >= at, `${ms} ms: ended before the deadline`);
  }
  assert.equal(pendingTimers(), before);
});

test('a coarse deadline before the precise one ends the wait; an earlier precise one wins over a later coarse one', async () => {
  const w = createWaker(now);
  const t0 = now();
  await w.wait(t0 + 5000, t0 + 2);
  assert.ok(now() - t0 < 4000, 'the coarse deadline ended it');
  const at = now() + 2;
  await w.wait(at, at + 5000);
  assert.ok(now() >= at && now() - at < 4000);
});

test('kick and abort end a wait at once; a kick before the wait makes the next wait return immediately', async () => {
  const ac = new AbortController();
  const w = createWaker(now, ac.signal);
  const far = now() + 60_000;
  const kicked = w.wait(far);
  w.kick();
  await kicked;
  w.kick();
  await w.wait(far);
  const aborted = w.wait(undefined, far);
  ac.abort();
  await aborted;
  await w.wait(far); // aborted: returns at once
  assert.ok(now() < far);
});

test('the sleeping timer reports its lateness to the margin, and the margin decides when polling starts', async () => {
  const seen: number[] = [];
  const margin: SleepMargin = { observe: (l) => seen.push(l), ms: () => 0.6 };
  const w = createWaker(now, undefined, margin);
  await w.wait(now() + 5);
  assert.ok(seen.length >= 1, 'a 5 ms wait sleeps at least once');
  assert.ok(seen.every(Number.isFinite));
  const seenShort: number[] = [];
  const w2 = createWaker(now, undefined, { observe: (l) => seenShort.push(l), ms: () => 0.6 });
  await w2.wait(now() + 1.2);
  assert.deepEqual(seenShort, [], 'within margin + 1 ms it polls, never sleeps on a timer');
});

test('a clock that does not advance cannot keep a wait going (real-time bound)', async () => {
  const w = createWaker(() => 0);
  const t0 = performance.now();
  await w.wait(2);
  assert.ok(performance.now() - t0 < 5_000);
});

test('a coarse deadline already due ends the wait on the next turn of the event loop, after what was queued, without a timer', async () => {
  const w = createWaker(now);
  const timeoutsBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const order: string[] = [];
  setImmediate(() => order.push('queued first'));
  const waiting = w.wait(undefined, now() - 1);
  assert.equal(
    process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length,
    timeoutsBefore,
    'no timer armed',
  );
  await waiting;
  order.push('woke');
  assert.deepEqual(order, ['queued first', 'woke']);
});

test('while polling, a coarse deadline ends the wait at the first poll past it (not when its timer fires)', async () => {
  // A clock that runs 5 ms per reading: the coarse deadline (4,000) is passed after ~800
  // polls (well under a millisecond of real time), long before its setTimeout (armed for
  // ~4 s of real time, so that no preemption of a loaded machine reaches it) fires, and the
  // precise one (6,000) would be reached first if polls ignored it. The margin covers both,
  // so the wait polls from the start.
  let t = 0;
  const fast = () => (t += 5);
  const w = createWaker(fast, undefined, { observe: () => {}, ms: () => 10_000 });
  await w.wait(6000, 4000);
  assert.ok(t >= 4000 && t < 6000, `ended at ${t}`);
});

test('a coarse deadline passed within the final busy-wait does not end the wait: the precise deadline goes first', async () => {
  // A clock stopped 0.05 ms before the precise deadline, past the coarse one: the wait
  // busy-waits to the precise deadline (bounded in real time) and ends before anything
  // already queued on the event loop, where a coarse ending would come after it.
  const w = createWaker(() => 9.95, undefined, { observe: () => {}, ms: () => 1 });
  const order: string[] = [];
  setImmediate(() => order.push('queued'));
  await w.wait(10, 5);
  order.push('woke');
  assert.deepEqual(order, ['woke']);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order, ['woke', 'queued'], 'and left nothing of its own queued');
});

test('warming the waker leaves no timer or immediate behind, and a waker made afterwards waits as before', async () => {
  const before = pendingTimers();
  let reads = 0;
  warmWaker(() => {
    reads++;
    return performance.now();
  });
  assert.ok(reads > 0, 'the warm-up reads the clock it is given');
  assert.equal(pendingTimers(), before, 'every throwaway wait ended');
  await new Promise((r) => setImmediate(r));
  assert.equal(pendingTimers(), before);
  const w = createWaker(now);
  const at = now() + 1.5;
  await w.wait(at);
  assert.ok(now() >= at);
  let kicked = false;
  const p = w.wait(now() + 5000).then(() => (kicked = true));
  w.kick();
  await p;
  assert.ok(kicked, 'kick still ends a wait');
});

test('onIdle runs once before a long sleep, never before a short one, never after the wait ended', async () => {
  const before = pendingTimers();
  let idles = 0;
  const w = createWaker(now, undefined, { observe: () => {}, ms: () => 0.6 }, () => idles++);
  await w.wait(now() + 30);
  assert.equal(idles, 1, 'a 30 ms wait sleeps long enough: one idle call');
  await w.wait(now() + 1.2);
  assert.equal(idles, 1, 'a 1.2 ms wait does not sleep 2 ms: no idle call');
  await w.wait(undefined, now() + 30);
  assert.equal(idles, 1, 'a coarse-only wait has no precise deadline to protect: no idle call');
  const p = w.wait(now() + 30);
  w.kick(); // ends the wait before its setImmediate runs
  await p;
  await new Promise((r) => setImmediate(r));
  assert.equal(idles, 1, 'a wait that ended first never calls it');
  assert.equal(pendingTimers(), before);
});
