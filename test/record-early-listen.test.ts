// `record` listens before its store's writer thread is ready: what crosses meanwhile is
// held and recorded in order, and a store that then fails to open still ends in one line
// and exit 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openCaptureStore } from '../src/recording/capture-store.js';
import type { CaptureStore } from '../src/model/store.js';
import { startRecordingProxy } from '../src/cli/recording-proxy.js';
import { listenEarly } from '../src/wire/early-listener.js';
import {
  REPO,
  dialTestWorker,
  echoUntilEnd,
  hexList,
  readRecording,
  splitAddress,
  startChild,
  startTestHost,
  tempDir,
  withTimeout,
} from './helpers/raw-peers.js';

test('streams relayed while the store is still opening are recorded whole and in order once it opens', async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const host = await startTestHost(echoUntilEnd());
  t.after(() => host.close());
  const db = join(tmp.dir, 'rec.db');
  let openNow: () => void = () => {};
  const gate = new Promise<void>((r) => (openNow = r));
  const store: Promise<CaptureStore> = gate.then(() => openCaptureStore(db, { redact: false }));
  const [h, p] = splitAddress(host.address);
  const proxy = await startRecordingProxy({
    listen: { host: '127.0.0.1', port: 0 },
    upstream: { host: h, port: p },
    store,
    onStoreError: 'forward',
    warn: () => {},
  });
  const address = `127.0.0.1:${proxy.address.port}`;

  // Two workers talk, interleaved, and the first one finishes, all before the store exists.
  const a = dialTestWorker(address);
  const b = dialTestWorker(address);
  for (let i = 0; i < 20; i++) {
    await a.send(Buffer.from(`a${i}`));
    await b.send(Buffer.from(`b${i}`));
  }
  await withTimeout(
    (async () => {
      while (a.received.length < 20 || b.received.length < 20) await new Promise((r) => setTimeout(r, 5));
    })(),
    10_000,
    'echoes before the store opens',
  );
  a.duplex.end();
  assert.equal((await withTimeout(a.duplex.done, 10_000, 'a ends')).status.code, 0);
  openNow();
  await withTimeout(store, 20_000, 'the store opens');
  // ... and the second goes on after it opened.
  for (let i = 20; i < 25; i++) await b.send(Buffer.from(`b${i}`));
  b.duplex.end();
  assert.equal((await withTimeout(b.duplex.done, 10_000, 'b ends')).status.code, 0);
  const summary = await withTimeout(proxy.stop(), 20_000, 'the proxy stops');

  assert.equal(summary.store.stored, 90, 'every message both ways, none dropped');
  const sessions = readRecording(db);
  assert.equal(sessions.length, 2);
  const byFirst = new Map(sessions.map((s) => [Buffer.from(s.toHost[0]!.bytes).toString()[0], s]));
  assert.deepEqual(hexList(byFirst.get('a')!.toHost), hexList(a.sent));
  assert.deepEqual(hexList(byFirst.get('a')!.toWorker), hexList(a.received));
  assert.deepEqual(hexList(byFirst.get('b')!.toHost), hexList(b.sent));
  assert.deepEqual(hexList(byFirst.get('b')!.toWorker), hexList(b.received));
  for (const s of sessions) {
    assert.deepEqual(
      s.all.map((f) => f.seq),
      s.all.map((_, i) => i),
      'seq in order',
    );
    assert.ok(
      s.all.every((f, i) => i === 0 || f.tNs >= s.all[i - 1]!.tNs),
      "the relay's times, never re-stamped out of order",
    );
    assert.equal(s.info.end?.reason, 'completed', 'each session ended, as it did');
  }
  // Held messages keep the time they crossed: a's last message is before the store opened.
  assert.ok(byFirst.get('a')!.info.startWallMs < byFirst.get('b')!.all.at(-1)!.wallMs);
});

test('a store that fails to open after the proxy listens: in-flight streams end with UNAVAILABLE, unopened reports it', async (t) => {
  const host = await startTestHost(echoUntilEnd());
  t.after(() => host.close());
  let fail: (err: Error) => void = () => {};
  const store = new Promise<CaptureStore>((_, reject) => (fail = reject));
  const [h, p] = splitAddress(host.address);
  const proxy = await startRecordingProxy({
    listen: { host: '127.0.0.1', port: 0 },
    upstream: { host: h, port: p },
    store,
    onStoreError: 'forward',
    warn: () => {},
  });
  const w = dialTestWorker(`127.0.0.1:${proxy.address.port}`);
  await w.send(Buffer.from('hello'));
  await withTimeout(
    (async () => {
      while (w.received.length < 1) await new Promise((r) => setTimeout(r, 5));
    })(),
    10_000,
    'echo',
  );
  fail(new Error('x.db: cannot open for writing (disk I/O error)'));
  assert.match((await withTimeout(proxy.unopened, 5000, 'unopened')).message, /disk I\/O error/);
  const end = await withTimeout(w.duplex.done, 10_000, 'the stream ends');
  assert.equal(end.status.code, 14);
  assert.match(end.status.details, /cannot open the recording: x\.db/);
  const summary = await withTimeout(proxy.stop(), 10_000, 'stop');
  assert.equal(summary.store.stored, 0);
});

/** A copy of the bundle without its writer thread's file, inside dist/ so node_modules and the catalogues resolve. */
function bundleWithoutWriter(t: { after: (fn: () => void) => void }): string {
  const root = mkdtempSync(join(REPO, 'dist', 'bundle-no-writer-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  cpSync(join(REPO, 'dist', 'bundle', 'cli'), join(root, 'cli'), { recursive: true });
  rmSync(join(root, 'cli', 'writer-thread.js'));
  const launcher = join(root, 'launch.mjs');
  writeFileSync(
    launcher,
    `import(${JSON.stringify(pathToFileURL(join(root, 'cli', 'main.js')).href)}).then((cli) => cli.runCli());\n`,
  );
  return launcher;
}

for (const command of ['record', 'wrap'] as const) {
  test(`${command}: a writer thread that cannot start once the proxy is up is one line on stderr and exit 2`, async (t) => {
    const launcher = bundleWithoutWriter(t);
    const tmp = tempDir();
    t.after(tmp.cleanup);
    const db = join(tmp.dir, 'rec.db');
    const worker = join(tmp.dir, 'idle-worker.mjs');
    writeFileSync(worker, 'setTimeout(() => {}, 60_000);\n');
    const args =
      command === 'record'
        ? ['record', '--upstream', '127.0.0.1:9', '--db', db]
        : // The worker would wait a minute: wrap must stop it.
          [
            'wrap',
            '--db',
            db,
            '--quiet',
            '--',
            process.execPath,
            worker,
            '--functions-uri',
            'http://127.0.0.1:9/',
            '--functions-worker-id',
            'w1',
            '--functions-request-id',
            'r1',
          ];
    const child = startChild(process.execPath, [launcher, ...args]);
    t.after(() => child.kill('SIGKILL'));
    const { code } = await withTimeout(child.exited, 20_000, `${command} exits by itself`);
    assert.equal(code, 2, child.stderr.join('\n'));
    const errors = child.stderr.filter((l) => l.trim() !== '');
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0]!, /^functape: .*rec\.db.*writer-thread\.js/);
  });
}

test("a worker that connects and sends before the relay exists (wrap's early listener) is served once it does, nothing lost", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const host = await startTestHost(echoUntilEnd());
  t.after(() => host.close());
  const early = await listenEarly('127.0.0.1');
  const w = dialTestWorker(`127.0.0.1:${early.address.port}`);
  for (const text of ['before', 'the', 'relay']) await w.send(Buffer.from(text));
  // Let the connection and its messages reach the listener's (unread) socket first.
  await new Promise((r) => setTimeout(r, 200));
  const db = join(tmp.dir, 'early.db');
  const [h, p] = splitAddress(host.address);
  const proxy = await startRecordingProxy({
    listen: { early },
    upstream: { host: h, port: p },
    store: openCaptureStore(db, { redact: false }),
    onStoreError: 'forward',
    warn: () => {},
  });
  assert.equal(proxy.address.port, early.address.port);
  await withTimeout(
    (async () => {
      while (w.received.length < 3) await new Promise((r) => setTimeout(r, 5));
    })(),
    10_000,
    'the echoes',
  );
  w.duplex.end();
  assert.equal((await withTimeout(w.duplex.done, 10_000, 'the stream ends')).status.code, 0);
  await withTimeout(proxy.stop(), 20_000, 'the proxy stops');
  const [s] = readRecording(db);
  assert.deepEqual(hexList(s!.toHost), hexList(w.sent));
  assert.deepEqual(hexList(s!.toWorker), hexList(w.received));
});
