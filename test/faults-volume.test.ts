// Issue 6 fault: 10 streams x 10,000 messages at once through `functape record` (a real
// process). Per stream and direction, the count and a running hash of the bytes must be
// equal at the sender, at the receiver and in the recording.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openRecording } from '../src/recording/open-recording.js';
import {
  createRunningHash,
  dialTestWorker,
  echoUntilEnd,
  startRecordProcess,
  startTestHost,
  tempDir,
  withTimeout,
} from './helpers/raw-peers.js';

const STREAMS = 10;
const MESSAGES = 10_000;

test(`${STREAMS} streams x ${MESSAGES} messages: count and running hash per stream and direction match peers and recording`, async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const host = await startTestHost(echoUntilEnd());
  t.after(() => host.close());
  const db = join(tmp.dir, 'volume.db');
  const rec = await startRecordProcess(['--upstream', host.address, '--db', db, '--redact', 'off']);
  t.after(() => rec.kill('SIGKILL'));

  const workers = await Promise.all(
    Array.from({ length: STREAMS }, async (_, w) => {
      const worker = dialTestWorker(rec.address, { 'x-stream': [String(w)] });
      const sent = createRunningHash();
      for (let i = 0; i < MESSAGES; i++) {
        // Sizes vary (0..~300 bytes) so framing boundaries land everywhere.
        const bytes = Buffer.alloc((i * 37 + w) % 301, `${w}:${i};`);
        sent.update(bytes);
        if (!worker.duplex.send(bytes)) await worker.duplex.drained();
      }
      worker.duplex.end();
      const end = await withTimeout(worker.duplex.done, 60_000, `stream ${w} end`);
      assert.equal(end.status.code, 0);
      const received = createRunningHash();
      for (const m of worker.received) received.update(m);
      return { sent: sent.digest(), received: received.digest() };
    }),
  );

  rec.kill('SIGTERM');
  assert.deepEqual(await withTimeout(rec.exited, 20_000, 'record exits'), { code: 0, signal: null });

  const recording = openRecording(db);
  t.after(() => recording.close());
  const sessions = recording.sessions();
  assert.equal(sessions.length, STREAMS);
  for (const info of sessions) {
    const w = Number(info.metadata['x-stream']![0]);
    const hostSide = host.streams.find((s) => s.duplex.metadata['x-stream']?.[0] === String(w))!;
    const hostReceived = createRunningHash();
    for (const m of hostSide.received) hostReceived.update(m);
    const hostSent = createRunningHash();
    for (const m of hostSide.sent) hostSent.update(m);
    const recorded = { toHost: createRunningHash(), toWorker: createRunningHash() };
    for (const f of recording.frames(info.id)) recorded[f.direction].update(f.bytes);

    assert.equal(workers[w]!.sent, hostReceived.digest(), `stream ${w}: worker sent = host received`);
    assert.equal(recorded.toHost.digest(), workers[w]!.sent, `stream ${w}: recorded toHost = worker sent`);
    assert.equal(hostSent.digest(), workers[w]!.received, `stream ${w}: host sent = worker received`);
    assert.equal(recorded.toWorker.digest(), hostSent.digest(), `stream ${w}: recorded toWorker = host sent`);
    assert.equal(recorded.toHost.count, MESSAGES);
    assert.equal(info.end?.reason, 'completed');
  }
});
