// `record` killed with SIGKILL: the database opens cleanly afterwards (WAL recovery),
// holds every frame committed before the kill as a gap-free prefix, verify reports the
// session as never ended, and a new recorder can append to the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openCaptureStore } from '../src/recording/capture-store.js';
import { openRecording } from '../src/recording/open-recording.js';
import { verifyRecording } from '../src/recording/verify-recording.js';

const CHILD = fileURLToPath(new URL('./recording-kill-child.js', import.meta.url));

test('SIGKILL while recording: WAL recovers, committed frames are all there, verify reports the unended session', {
  timeout: 30_000,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'functape-kill-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'rec.db');
  const child = spawn(process.execPath, [CHILD, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => child.kill('SIGKILL'));
  let confirmed = 0;
  await new Promise<void>((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      for (const m of buf.matchAll(/stored (\d+)\n/g)) confirmed = Math.max(confirmed, Number(m[1]));
      buf = buf.slice(buf.lastIndexOf('\n') + 1);
      if (confirmed >= 3000) resolve();
    });
    child.once('exit', (code) => reject(new Error(`child exited early (${code})`)));
  });
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;

  for (const file of [path, `${path}-wal`, `${path}-shm`])
    assert.equal(statSync(file).mode & 0o777, 0o600, `${file} is private`);
  const rec = openRecording(path);
  const [session, ...others] = rec.sessions();
  assert.equal(others.length, 0);
  assert.equal(session!.end, undefined, 'never ended');
  const seqs = [...rec.frames(session!.id)].map((f) => f.seq);
  rec.close();
  assert.ok(seqs.length >= confirmed, `${seqs.length} frames stored, ${confirmed} were confirmed`);
  assert.deepEqual(
    seqs,
    Array.from({ length: seqs.length }, (_, i) => i),
    'a gap-free prefix',
  );
  assert.equal(session!.counts.toWorker, seqs.length);

  const report = verifyRecording(path);
  assert.deepEqual(
    report.problems.map((p) => p.kind),
    ['not-ended'],
  );
  assert.equal(report.frames, seqs.length);

  const store = await openCaptureStore(path);
  const id = store.allocateSessionId();
  assert.notEqual(id, session!.id);
  store.write({
    type: 'session-start',
    session: {
      id,
      startWallMs: 1,
      upstream: '',
      path: '',
      metadata: {},
      functapeVersion: '',
      schemaVersion: '',
    },
  });
  store.write({
    type: 'session-end',
    end: { id, endNs: 1n, endWallMs: 2, status: null, reason: 'shutdown' },
  });
  await store.close();
  const again = openRecording(path);
  assert.deepEqual(
    again.sessions().map((s) => s.id),
    [session!.id, id],
  );
  again.close();
});
