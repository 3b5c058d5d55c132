// Several writers opening one new recording at the same moment, as when a host starts
// several workers each under its own `functape wrap --db same.db`, while others close it
// (switching it back to a rollback journal): every open must succeed and every session
// land. Before the fix, ~6% of such opens failed with "database is locked" (SQLite answers
// the switch to WAL with SQLITE_BUSY at once, without its busy handler).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { openRecording } from '../src/recording/open-recording.js';

const THREADS = 4;
const ROUNDS = 30;

test('writers opening one new file at once all succeed; every session is stored', {
  timeout: 60_000,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'functape-concurrent-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const barrier = new SharedArrayBuffer(4 * ROUNDS);
  const failures: string[] = [];
  await Promise.all(
    Array.from(
      { length: THREADS },
      (_, thread) =>
        new Promise<void>((resolve, reject) => {
          const w = new Worker(new URL('./helpers/concurrent-open-worker.js', import.meta.url), {
            workerData: { dir, barrier, thread, threads: THREADS, rounds: ROUNDS },
          });
          w.on('message', (m: string) => failures.push(m));
          w.on('error', reject);
          w.on('exit', () => resolve());
        }),
    ),
  );
  assert.deepEqual(failures, []);
  for (let r = 0; r < ROUNDS; r++) {
    const rec = openRecording(join(dir, `round-${r}.db`));
    try {
      assert.equal(rec.sessions().length, THREADS, `round ${r}`);
    } finally {
      rec.close();
    }
  }
});
