import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { runInNewContext } from 'node:vm';
import { createHeapSettler, IDLE_GC_EVERY_MS } from './settle-heap.js';

/** The GC kinds V8 reported while `fn` ran (perf_hooks 'gc' entries, delivered asynchronously). */
async function gcKindsDuring(fn: () => void): Promise<number[]> {
  const kinds: number[] = [];
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) kinds.push((e as unknown as { detail: { kind: number } }).detail.kind);
  });
  obs.observe({ entryTypes: ['gc'] });
  fn();
  await new Promise((r) => setTimeout(r, 50));
  obs.disconnect();
  return kinds;
}

test('settle runs a full (major) collection now, and again on each call', async () => {
  const settler = createHeapSettler();
  // Garbage that only a collection frees: ~8 MB of arrays no longer referenced.
  let junk: number[][] | undefined = Array.from({ length: 2000 }, () => new Array(1000).fill(1));
  assert.equal(junk.length, 2000);
  junk = undefined;
  const kinds = await gcKindsDuring(() => assert.equal(settler.settle(), true));
  assert.ok(
    kinds.includes(constants.NODE_PERFORMANCE_GC_MAJOR),
    `a major GC ran (kinds seen: ${kinds.join(',')})`,
  );
  const again = await gcKindsDuring(() => assert.equal(settler.settle(), true));
  assert.ok(again.includes(constants.NODE_PERFORMANCE_GC_MAJOR), 'the second call collects too');
});

test('the gc extension is switched off again: contexts created afterwards have no gc function', () => {
  createHeapSettler().settle();
  assert.equal(runInNewContext('typeof gc'), 'undefined');
  assert.equal(typeof (globalThis as { gc?: unknown }).gc, 'undefined', 'the main context never gets one');
});

test('idle collections are minor ones, at most one per IDLE_GC_EVERY_MS', () => {
  const calls: unknown[] = [];
  const settler = createHeapSettler((options) => void calls.push(options ?? 'full'));
  assert.equal(settler.idle(1000), true, 'the first idle moment collects');
  assert.equal(settler.idle(1000 + IDLE_GC_EVERY_MS - 1), false, 'too soon after the last one');
  assert.equal(settler.idle(1000 + IDLE_GC_EVERY_MS), true);
  assert.equal(settler.settle(), true);
  assert.deepEqual(calls, [{ type: 'minor' }, { type: 'minor' }, 'full']);
  const failing = createHeapSettler(() => {
    throw new Error('no gc');
  });
  assert.equal(failing.idle(0), false, 'a failing gc is reported, not thrown');
  assert.equal(failing.settle(), false);
});

test('an idle collection with V8’s own gc runs a minor GC', async () => {
  const settler = createHeapSettler();
  const kinds = await gcKindsDuring(() => assert.equal(settler.idle(performance.now()), true));
  assert.ok(kinds.includes(constants.NODE_PERFORMANCE_GC_MINOR), `kinds seen: ${kinds.join(',')}`);
});
