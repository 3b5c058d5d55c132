// The threaded capture store against real files: round trip, batching and flush,
// bounded queue, store errors on a size-capped database, redaction, file mode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeMessage, makeMessage } from '../src/codec/streaming-message.js';
import type { Direction, Frame } from '../src/model/frame.js';
import type { CaptureStore } from '../src/model/store.js';
import { openCaptureStore } from '../src/recording/capture-store.js';
import { openRecording } from '../src/recording/open-recording.js';

function tmp(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'functape-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'rec.db');
}

function startSession(store: CaptureStore, label?: string): number {
  const id = store.allocateSessionId();
  store.write({
    type: 'session-start',
    session: {
      id,
      startWallMs: 1_700_000_000_000,
      upstream: '127.0.0.1:9',
      path: '/p',
      metadata: { a: ['1'] },
      functapeVersion: '0.1.0',
      schemaVersion: 's',
      ...(label ? { label } : {}),
    },
  });
  return id;
}

function frames(sessionId: number, n: number, bytes: (i: number) => Uint8Array): Frame[] {
  const dirSeq: Record<Direction, number> = { toHost: 0, toWorker: 0 };
  return Array.from({ length: n }, (_, i) => {
    const direction: Direction = i % 3 === 0 ? 'toHost' : 'toWorker';
    return {
      sessionId,
      seq: i,
      dirSeq: dirSeq[direction]++,
      direction,
      tNs: BigInt(i) * 1000n + 7n,
      wallMs: 1_700_000_000_000 + i / 1000,
      compressed: i === 5,
      bytes: bytes(i),
    };
  });
}

const startStream = encodeMessage(
  makeMessage({ requestId: 'r', content: { case: 'startStream', value: { workerId: 'W-42' } } }),
);
const invocation = (i: number) =>
  encodeMessage(
    makeMessage({
      content: { case: 'invocationRequest', value: { invocationId: `inv-${i}`, functionId: 'f' } },
    }),
  );

test('round trip: every frame, session row, worker id from StartStream, counts, end; new file is mode 0600', async (t) => {
  const path = tmp(t);
  const store = await openCaptureStore(path, { label: 'run-1' });
  const a = startSession(store);
  const b = startSession(store, 'own label');
  assert.notEqual(a, b);
  const fa = frames(a, 500, (i) => (i === 0 ? startStream : invocation(i)));
  const fb = frames(b, 3, (i) =>
    i === 1 ? new Uint8Array([0xff, 0xff, 0x01]) : i === 2 ? new Uint8Array(0) : invocation(i),
  );
  for (let i = 0; i < 500; i++) {
    store.write({ type: 'frame', frame: fa[i]! });
    if (i < 3) store.write({ type: 'frame', frame: fb[i]! });
  }
  store.write({
    type: 'session-end',
    end: {
      id: a,
      endNs: 9_000_000n,
      endWallMs: 1_700_000_000_009,
      status: { code: 14, details: 'gone', metadata: { t: ['x'] } },
      reason: 'host-gone',
    },
  });
  await store.close();
  await store.close(); // idempotent
  assert.deepEqual(store.stats(), { accepted: 503, stored: 503, failed: 0, queued: 0 });
  assert.equal(statSync(path).mode & 0o777, 0o600);

  const rec = openRecording(path);
  t.after(() => rec.close());
  const sessions = rec.sessions();
  assert.deepEqual(
    sessions.map((s) => s.id),
    [a, b],
  );
  const sa = rec.session(a)!;
  assert.equal(sa.label, 'run-1');
  assert.equal(rec.session(b)!.label, 'own label');
  assert.equal(sa.workerId, 'W-42');
  assert.deepEqual(sa.metadata, { a: ['1'] });
  assert.deepEqual(sa.counts, { toHost: 167, toWorker: 333 });
  assert.deepEqual(sa.end, {
    id: a,
    endNs: 9_000_000n,
    endWallMs: 1_700_000_000_009,
    status: { code: 14, details: 'gone', metadata: { t: ['x'] } },
    reason: 'host-gone',
  });
  assert.equal(rec.session(b)!.end, undefined);
  const back = [...rec.frames(a)];
  assert.equal(back.length, 500);
  back.forEach((f, i) => {
    const w = fa[i]!;
    assert.deepEqual(
      [f.seq, f.dirSeq, f.direction, f.tNs, f.wallMs, f.compressed],
      [w.seq, w.dirSeq, w.direction, w.tNs, w.wallMs, w.compressed],
    );
    assert.deepEqual(new Uint8Array(f.bytes), w.bytes);
    assert.equal(f.size, w.bytes.length);
  });
  assert.equal(back[0]!.kind, 'startStream');
  assert.equal(back[7]!.invocationId, 'inv-7');
  assert.equal(back[7]!.functionId, 'f');
  const bad = [...rec.frames(b)];
  assert.equal(bad[1]!.kind, 'unknown');
  assert.ok(bad[1]!.decodeError);
  assert.equal(bad[2]!.size, 0);
  assert.deepEqual(
    [...rec.frames(a, { kinds: ['startStream'] })].map((f) => f.seq),
    [0],
  );
  assert.equal([...rec.frames(a, { directions: ['toHost'] })].length, 167);
});

test('batching: nothing is lost between batches; flush makes frames readable while recording', async (t) => {
  const path = tmp(t);
  const store = await openCaptureStore(path, { tuning: { batchFrames: 7, batchMs: 5 } });
  const id = startSession(store);
  const fs = frames(id, 100, invocation);
  for (const f of fs.slice(0, 60)) store.write({ type: 'frame', frame: f });
  await store.flush();
  assert.equal(store.stats().stored, 60);
  const rec = openRecording(path); // read while the store is open
  assert.equal([...rec.frames(id)].length, 60);
  for (const f of fs.slice(60)) store.write({ type: 'frame', frame: f });
  await new Promise((r) => setTimeout(r, 100)); // the batch timer posts the tail
  assert.equal([...rec.frames(id)].length, 100);
  rec.close();
  await store.close();
});

test('bounded queue: write returns false above the high-water mark and drained() resolves once written', async (t) => {
  const path = tmp(t);
  const store = await openCaptureStore(path, {
    tuning: { highWaterFrames: 50, highWaterBytes: 1 << 30, batchFrames: 1_000_000, batchMs: 60_000 },
  });
  const id = startSession(store);
  const results = frames(id, 80, invocation).map((f) => store.write({ type: 'frame', frame: f }));
  assert.equal(results.indexOf(false), 50, 'the 51st frame crosses the mark');
  assert.ok(results.slice(50).every((r) => r === false));
  assert.equal(store.stats().queued, 80);
  let drained = false;
  const waiting = store.drained().then(() => (drained = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(drained, false, 'still above the low-water mark');
  await store.flush();
  await waiting;
  assert.equal(store.stats().queued, 0);
  assert.equal(store.stats().stored, 80);
  await store.close();
});

test('bounded queue by bytes', async (t) => {
  const path = tmp(t);
  const store = await openCaptureStore(path, {
    tuning: { highWaterBytes: 64 * 1024, batchFrames: 1_000_000, batchBytes: 1 << 30, batchMs: 60_000 },
  });
  const id = startSession(store);
  const big = new Uint8Array(16 * 1024);
  const results = frames(id, 6, () => big).map((f) => store.write({ type: 'frame', frame: f }));
  assert.deepEqual(results, [true, true, true, true, false, false]);
  await store.flush();
  await store.drained();
  await store.close();
});

test('store errors: a size-capped database counts what it could not store, tells onError, keeps going, records unstored', async (t) => {
  const path = tmp(t);
  const store = await openCaptureStore(path, {
    maxBytes: 160 * 1024,
    redact: false,
    tuning: { batchFrames: 4, batchMs: 5 },
  });
  const errors: Error[] = [];
  store.onError((e) => errors.push(e));
  const id = startSession(store);
  const payload = new Uint8Array(8 * 1024).fill(7);
  for (const f of frames(id, 60, () => payload)) store.write({ type: 'frame', frame: f });
  store.write({
    type: 'session-end',
    end: {
      id,
      endNs: 1n,
      endWallMs: 1_700_000_000_001,
      status: { code: 0, details: '' },
      reason: 'completed',
    },
  });
  await store.close();
  const s = store.stats();
  assert.equal(s.accepted, 60);
  assert.ok(s.stored > 0 && s.failed > 0, JSON.stringify(s));
  assert.equal(s.stored + s.failed, 60);
  assert.ok(errors.length > 0);
  assert.match(errors[0]!.message, /full/i);
  assert.equal((errors[0] as Error & { code?: string }).code, 'SQLITE_FULL');
  const rec = openRecording(path);
  t.after(() => rec.close());
  const stored = [...rec.frames(id)];
  assert.equal(stored.length, s.stored);
  const info = rec.session(id)!;
  assert.equal(info.counts.toHost + info.counts.toWorker, s.stored);
  assert.equal(info.end?.unstored, s.failed, 'the session end records what was lost');
});

test("store errors with onStoreError 'fail': no frame is stored after the first failure", async (t) => {
  const path = tmp(t);
  const store = await openCaptureStore(path, {
    maxBytes: 160 * 1024,
    redact: false,
    onStoreError: 'fail',
    tuning: { batchFrames: 4, batchMs: 5 },
  });
  let calls = 0;
  store.onError(() => calls++);
  const id = startSession(store);
  const fs = frames(id, 60, (i) => new Uint8Array(i % 2 ? 8 * 1024 : 10));
  for (const f of fs) store.write({ type: 'frame', frame: f });
  await store.close();
  const s = store.stats();
  assert.ok(s.failed > 0 && calls > 0);
  const rec = openRecording(path);
  t.after(() => rec.close());
  const seqs = [...rec.frames(id)].map((f) => f.seq);
  assert.deepEqual(
    seqs,
    Array.from({ length: seqs.length }, (_, i) => i),
    'a prefix, no resumption',
  );
});

test('redaction at capture time: secrets are stored redacted (marked, wire size kept); redact:false stores as seen', async (t) => {
  const secret = 'Sup3rS3cretConnectionString';
  const reload = encodeMessage(
    makeMessage({
      content: {
        case: 'functionEnvironmentReloadRequest',
        value: { environmentVariables: { AzureWebJobsStorage: secret } },
      },
    }),
  );
  for (const redact of [undefined, false] as const) {
    const path = tmp(t);
    const store = await openCaptureStore(path, redact === false ? { redact } : {});
    const id = startSession(store);
    store.write({
      type: 'frame',
      frame: {
        sessionId: id,
        seq: 0,
        dirSeq: 0,
        direction: 'toWorker',
        tNs: 0n,
        wallMs: 1,
        compressed: false,
        bytes: reload,
      },
    });
    await store.close();
    const rec = openRecording(path);
    const [f] = [...rec.frames(id)];
    rec.close();
    assert.equal(f!.size, reload.length);
    assert.equal(f!.kind, 'functionEnvironmentReloadRequest');
    const text = Buffer.from(f!.bytes).toString('latin1');
    if (redact === false) {
      assert.equal(f!.redacted, false);
      assert.ok(text.includes(secret));
    } else {
      assert.equal(f!.redacted, true);
      assert.ok(!text.includes(secret));
      assert.ok(text.includes('AzureWebJobsStorage'), 'keys are kept');
    }
  }
});

test('session ids stay unique across stores on the same file and across many sessions', async (t) => {
  const path = tmp(t);
  const one = await openCaptureStore(path);
  const two = await openCaptureStore(path);
  const ids = new Set<number>();
  for (let i = 0; i < 30; i++) {
    ids.add(startSession(one));
    ids.add(startSession(two));
  }
  assert.equal(ids.size, 60);
  await Promise.all([one.close(), two.close()]);
  const rec = openRecording(path);
  assert.equal(rec.sessions().length, 60);
  rec.close();
});

test('close: events written while it flushes are still stored; writes after it are counted as failed', async (t) => {
  const path = tmp(t);
  const store = await openCaptureStore(path);
  const id = startSession(store);
  const fs = frames(id, 20, invocation);
  for (const f of fs.slice(0, 10)) store.write({ type: 'frame', frame: f });
  const closing = store.close();
  for (const f of fs.slice(10)) store.write({ type: 'frame', frame: f }); // a proxy closing its streams
  store.write({
    type: 'session-end',
    end: {
      id,
      endNs: 5n,
      endWallMs: 6,
      status: { code: 1, details: 'functape shutting down' },
      reason: 'shutdown',
    },
  });
  await closing;
  store.write({ type: 'frame', frame: { ...fs[0]!, seq: 99 } });
  assert.deepEqual(store.stats(), { accepted: 21, stored: 20, failed: 1, queued: 0 });
  const rec = openRecording(path);
  t.after(() => rec.close());
  assert.equal([...rec.frames(id)].length, 20);
  assert.equal(rec.session(id)!.end?.reason, 'shutdown');
});

test('reader: messages above the inline size and empty ones read back exactly; bytesLimit gives a prefix with the full size', async (t) => {
  const path = tmp(t);
  const store = await openCaptureStore(path, { redact: false });
  const id = startSession(store);
  const sizes = [0, 10, 16 * 1024, 16 * 1024 + 1, 3 * 1024 * 1024, 5, 0];
  const fs = frames(id, sizes.length, (i) => new Uint8Array(sizes[i]!).map((_, j) => (i * 31 + j) & 0xff));
  for (const f of fs) store.write({ type: 'frame', frame: f });
  await store.close();
  const rec = openRecording(path);
  t.after(() => rec.close());
  const back = [...rec.frames(id)];
  assert.deepEqual(
    back.map((f) => f.bytes.length),
    sizes,
  );
  back.forEach((f, i) => assert.ok(Buffer.from(f.bytes).equals(Buffer.from(fs[i]!.bytes)), `frame ${i}`));
  const cut = [...rec.frames(id, { bytesLimit: 100 })];
  assert.deepEqual(
    cut.map((f) => f.bytes.length),
    sizes.map((n) => Math.min(n, 100)),
  );
  assert.deepEqual(
    cut.map((f) => f.size),
    sizes,
  );
  assert.ok(Buffer.from(cut[4]!.bytes).equals(Buffer.from(fs[4]!.bytes.subarray(0, 100))));
});

test('several recorders on one file at once (as wrap per worker process): every frame of every one is stored', async (t) => {
  const path = tmp(t);
  const stores = await Promise.all(
    [0, 1, 2].map(() => openCaptureStore(path, { tuning: { batchFrames: 200 } })),
  );
  const ids = stores.map((s) => startSession(s));
  await Promise.all(
    stores.map(async (s, k) => {
      for (const f of frames(ids[k]!, 3000, invocation))
        if (!s.write({ type: 'frame', frame: f })) await s.drained();
      await s.close();
    }),
  );
  for (const s of stores) assert.deepEqual(s.stats(), { accepted: 3000, stored: 3000, failed: 0, queued: 0 });
  const rec = openRecording(path);
  t.after(() => rec.close());
  for (const id of ids) assert.equal([...rec.frames(id)].length, 3000);
});
