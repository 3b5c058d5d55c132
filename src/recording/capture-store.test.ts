import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { getPriority } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Frame } from '../model/frame.js';
import { openCaptureStore, writerOptions } from './capture-store.js';
import { openRecording } from './open-recording.js';
import type { ToWriter } from './writer-protocol.js';

/** Nice value of every thread of this process (Linux /proc), by thread id. */
function threadNices(): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // fields after "(comm)": state is field 3, nice is field 19
      out.set(Number(tid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

const linuxOnly = { skip: process.platform !== 'linux' && 'reads /proc', timeout: 10_000 };

test(
  'the writer thread alone runs at the lower priority; the proxy thread keeps the process priority',
  linuxOnly,
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'functape-store-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const process0 = getPriority();
    const before = threadNices();
    const store = await openCaptureStore(join(dir, 'rec.db'), {
      tuning: { writerNice: Math.min(19, process0 + 7) },
    });
    const lowered = [...threadNices()].filter(
      ([tid, nice]) => !before.has(tid) && nice === Math.min(19, process0 + 7),
    );
    await store.close();
    assert.equal(lowered.length, 1, 'exactly one new thread (the writer) runs at the lower priority');
    assert.equal(getPriority(), process0, 'the main thread is unchanged');
    assert.ok(
      [...threadNices()].every(([, nice]) => nice === process0),
      'no thread left at another priority after close',
    );
  },
);

test('writerNice null leaves every thread at the process priority', linuxOnly, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'functape-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const store = await openCaptureStore(join(dir, 'rec.db'), { tuning: { writerNice: null } });
  const nices = new Set(threadNices().values());
  await store.close();
  assert.deepEqual([...nices], [getPriority()]);
});

test('writeFrame stores what write stores for the same frame (tNs from a number, exact); after close it counts as failed', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'functape-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'rec.db');
  const store = await openCaptureStore(path, { redact: false, tuning: { writerNice: null } });
  const id = store.allocateSessionId();
  store.write({
    type: 'session-start',
    session: {
      id,
      startWallMs: 1_700_000_000_000,
      upstream: 'h:1',
      path: '/p',
      metadata: {},
      functapeVersion: '0',
      schemaVersion: '0',
    },
  });
  const stamps = [0, 1_500, 2 ** 32 + 7, 2 ** 53 - 1];
  const want: Frame[] = stamps.map((tNs, seq) => ({
    sessionId: id,
    seq,
    dirSeq: seq >> 1,
    direction: seq % 2 ? 'toWorker' : 'toHost',
    tNs: BigInt(tNs),
    wallMs: 1_700_000_000_000 + tNs / 1e6,
    compressed: seq === 1,
    bytes: new Uint8Array([seq, 1, 2]),
  }));
  for (const f of want) {
    // even seq through writeFrame, odd through write
    const room =
      f.seq % 2 === 0
        ? store.writeFrame!(
            f.sessionId,
            f.seq,
            f.dirSeq,
            f.direction,
            Number(f.tNs),
            f.wallMs,
            f.compressed,
            f.bytes,
          )
        : store.write({ type: 'frame', frame: f });
    assert.equal(room, true);
  }
  await store.close();
  assert.equal(
    store.writeFrame!(id, 9, 9, 'toHost', 1, 1, false, new Uint8Array(1)),
    true,
    'never throws, never blocks after close',
  );
  assert.deepEqual(store.stats(), { accepted: 5, stored: 4, failed: 1, queued: 0 });
  const rec = openRecording(path);
  t.after(() => rec.close());
  const got = [...rec.frames(id)].map((f) => ({
    sessionId: f.sessionId,
    seq: f.seq,
    dirSeq: f.dirSeq,
    direction: f.direction,
    tNs: f.tNs,
    wallMs: f.wallMs,
    compressed: f.compressed,
    bytes: new Uint8Array(f.bytes),
  }));
  assert.deepEqual(got, want);
});

test("writerOptions hands the young-generation cap to the writer's Worker; null leaves it to V8", () => {
  const config = { path: 'x.db', redact: {}, onStoreError: 'forward' as const, deferIndexLimit: 1 };
  assert.deepEqual(writerOptions(config, { writerYoungGenerationMb: 12 }), {
    workerData: config,
    resourceLimits: { maxYoungGenerationSizeMb: 12 },
  });
  assert.deepEqual(writerOptions(config, { writerYoungGenerationMb: null }), { workerData: config });
});

test('a light batch waits for the long window, a half-full one goes at batchMs, a full one at once', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'functape-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const store = await openCaptureStore(join(dir, 'rec.db'), {
    redact: false,
    tuning: { batchMs: 100, lightBatchMs: 250, batchFrames: 8, writerNice: null },
  });
  const posts = t.mock.method(Worker.prototype, 'postMessage');
  /** Frames per batch posted to the writer so far, in order. */
  const posted = () =>
    posts.mock.calls.flatMap((c) => {
      const m = c.arguments[0] as ToWriter;
      return m.type === 'batch' ? [m.batch.count] : [];
    });
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const id = store.allocateSessionId();
  let seq = 0;
  const write = (n: number) => {
    for (let i = 0; i < n; i++)
      store.writeFrame!(id, seq, seq, 'toHost', seq, 1, false, new Uint8Array([seq++ & 255]));
  };
  write(3); // light: under half of batchFrames
  t.mock.timers.tick(100);
  assert.deepEqual(posted(), [], 'light at 100 ms: still waiting');
  t.mock.timers.tick(149);
  assert.deepEqual(posted(), []);
  t.mock.timers.tick(1);
  assert.deepEqual(posted(), [3], 'posted at 250 ms');
  write(4); // half full
  t.mock.timers.tick(100);
  assert.deepEqual(posted(), [3, 4], 'half full: posted at 100 ms');
  write(8);
  assert.deepEqual(posted(), [3, 4, 8], 'full: posted at once');
  t.mock.timers.reset();
  await store.close();
  assert.deepEqual(store.stats(), { accepted: 15, stored: 15, failed: 0, queued: 0 });
});
