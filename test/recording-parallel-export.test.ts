// Export on several threads writes exactly what one thread writes, in order, gaps and all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createFrameLiner } from '../src/codec/ndjson.js';
import { openRecording } from '../src/recording/open-recording.js';
import { parallelExport } from '../src/recording/parallel-export.js';
import { createRecordingWriter } from '../src/recording/recording-writer.js';
import { main } from '../src/cli/main.js';
import { Writable } from 'node:stream';
import { sampleFrames } from './recording-sample.js';

function recording(t: { after: (fn: () => void) => void }, n: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'functape-par-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'rec.db');
  const w = createRecordingWriter(path, { redact: false });
  w.addSession({
    id: 1,
    startWallMs: 1_700_000_000_000,
    upstream: '',
    path: '',
    metadata: {},
    functapeVersion: '',
    schemaVersion: '',
  });
  const frames = sampleFrames();
  for (let seq = 0; seq < n; seq++) {
    const f = frames[seq % frames.length]!;
    w.addFrame({
      sessionId: 1,
      seq,
      dirSeq: 0,
      direction: f.direction,
      tNs: BigInt(seq) * 1000n,
      wallMs: 1_700_000_000_000 + seq / 7,
      compressed: false,
      bytes: f.bytes,
    });
  }
  w.close();
  return path;
}

test('parallelExport: several threads, small windows, gaps: identical to one thread', async (t) => {
  const path = recording(t, 3000);
  const db = new Database(path);
  db.prepare('DELETE FROM frames WHERE seq BETWEEN 500 AND 799 OR seq = 1234 OR seq = 2999').run(); // a whole window, a hole, the end
  db.close();
  const rec = openRecording(path);
  const line = createFrameLiner();
  const expected = [...rec.frames(1)].map((f) => `${line(f)}\n`).join('');
  const lastSeq = rec.lastSeq(1)!;
  rec.close();
  assert.equal(lastSeq, 2998);
  for (const threads of [1, 3]) {
    const chunks: Uint8Array[] = [];
    const n = await parallelExport(path, 1, lastSeq, (bytes) => void chunks.push(bytes), {
      threads,
      window: 100,
      ahead: 2,
    });
    assert.equal(n, 3000 - 302);
    assert.equal(Buffer.concat(chunks).toString('utf8'), expected, `${threads} threads`);
  }
});

test('parallelExport: buffers released after writing go back to the threads and are refilled; output unchanged', async (t) => {
  const path = recording(t, 3000);
  const rec = openRecording(path);
  const line = createFrameLiner();
  const expected = [...rec.frames(1)].map((f) => `${line(f)}\n`).join('');
  rec.close();
  for (const threads of [1, 2]) {
    const chunks: Buffer[] = [];
    let detached = 0;
    let kept: { bytes: Uint8Array; release: () => void } | undefined;
    const n = await parallelExport(
      path,
      1,
      2999,
      (bytes, release) => {
        chunks.push(Buffer.from(bytes)); // a copy: the buffer is about to be refilled
        if (chunks.length === 1) {
          kept = { bytes, release }; // released only after the end
          return undefined;
        }
        if (chunks.length % 3 === 0) {
          // Released later, as a stream's write callback would.
          return new Promise<void>((resolve) =>
            setImmediate(() => {
              release();
              if (bytes.byteLength === 0) detached++;
              resolve();
            }),
          );
        }
        release();
        release(); // twice is harmless
        if (bytes.byteLength === 0) detached++; // transferred back to its thread
        return undefined;
      },
      { threads, window: 50, ahead: 2 },
    );
    assert.equal(n, 3000);
    assert.equal(Buffer.concat(chunks).toString('utf8'), expected, `${threads} threads`);
    assert.equal(detached, chunks.length - 1, 'every released buffer went back');
    kept!.release(); // after the end: the threads are gone, nothing is handed back
    assert.ok(kept!.bytes.byteLength > 0);
  }
});

test('openRecording with a small page cache (as export threads use) reads the same frames', (t) => {
  const path = recording(t, 3000);
  const plain = openRecording(path);
  const small = openRecording(path, { cacheKiB: 64 });
  try {
    const line = createFrameLiner();
    assert.deepEqual(
      [...small.frames(1, { afterSeq: 99, beforeSeq: 2500 })].map((f) => line(f)),
      [...plain.frames(1, { afterSeq: 99, beforeSeq: 2500 })].map((f) => line(f)),
    );
    assert.equal(small.lastSeq(1), 2999);
  } finally {
    small.close();
    plain.close();
  }
});

test('parallelExport stops early when asked', async (t) => {
  const path = recording(t, 1000);
  let windows = 0;
  const n = await parallelExport(path, 1, 999, () => void windows++, {
    threads: 2,
    window: 100,
    stopped: () => windows >= 2,
  });
  assert.equal(windows, 2);
  assert.equal(n, 200);
});

test('functape export --threads 2 on a big session writes what --threads 1 writes', async (t) => {
  const path = recording(t, 20_000);
  const run = async (threads: string) => {
    const chunks: Buffer[] = [];
    const stdout = new Writable({
      write(c: Buffer, _e, cb) {
        chunks.push(Buffer.from(c));
        cb();
      },
    });
    const stderr = new Writable({
      write(_c, _e, cb) {
        cb();
      },
    });
    const code = await main(['export', '--db', path, '--threads', threads], {
      stdout,
      stderr,
      signal: new AbortController().signal,
    });
    assert.equal(code, 0);
    return Buffer.concat(chunks).toString();
  };
  const one = await run('1');
  assert.equal(one.split('\n').length, 20_000 + 2);
  assert.equal(await run('2'), one);
});

test('parallelExport: an error in a thread mid-stream rejects after the windows before it were written in order', async (t) => {
  const path = recording(t, 1000);
  const written: Uint8Array[] = [];
  const run = parallelExport(
    path,
    1,
    999,
    (bytes) => {
      if (written.length === 0) {
        // The frames disappear under the thread: a later window fails to read.
        const db = new Database(path);
        db.exec('DROP TABLE frames');
        db.close();
      }
      written.push(bytes);
      return undefined;
    },
    { threads: 1, window: 100, ahead: 1 },
  );
  await assert.rejects(run, (err: Error) => err.name === 'RecordingError' && /frames/.test(err.message));
  assert.ok(written.length >= 1 && written.length < 10, `${written.length} windows written`);
  const lines = Buffer.concat(written)
    .toString('utf8')
    .split('\n')
    .filter((l) => l !== '');
  assert.deepEqual(
    lines.map((l) => (JSON.parse(l) as { seq: number }).seq),
    Array.from({ length: lines.length }, (_, i) => i),
  );
});

test('functape export on several threads stops quietly when stdout closes (EPIPE) and leaves no thread behind', async (t) => {
  const path = recording(t, 20_000);
  let chunks = 0;
  const stdout = new Writable({
    write(_c, _e, cb) {
      chunks++;
      if (chunks === 2) {
        const err: NodeJS.ErrnoException = new Error('write EPIPE');
        err.code = 'EPIPE';
        cb(err);
      } else cb();
    },
  });
  const stderr = new Writable({
    write(_c, _e, cb) {
      cb();
    },
  });
  const code = await main(['export', '--db', path, '--threads', '2'], {
    stdout,
    stderr,
    signal: new AbortController().signal,
  });
  assert.equal(code, 0);
  assert.ok(chunks >= 2 && chunks < 20, `${chunks} writes after the pipe closed`);
});
