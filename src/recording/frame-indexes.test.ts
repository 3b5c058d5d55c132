import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { encodeMessage, makeMessage } from '../codec/streaming-message.js';
import type { Frame } from '../model/frame.js';
import type { SessionStart } from '../model/session.js';
import { openCaptureStore } from './capture-store.js';
import { manageFrameIndexes, missingSecondaryIndexes } from './frame-indexes.js';
import { openRecording } from './open-recording.js';
import { createRecordingWriter } from './recording-writer.js';
import { MIGRATIONS, SCHEMA_VERSION, SECONDARY_INDEXES, migrate } from './schema.js';
import { verifyRecording } from './verify-recording.js';

const BOTH = ['frames_session_invocation', 'frames_session_kind'];

function tmp(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'functape-idx-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'rec.db');
}

const start = (id: number): SessionStart => ({
  id,
  startWallMs: 1,
  upstream: 'u',
  path: '/p',
  metadata: {},
  functapeVersion: '0',
  schemaVersion: '0',
});

/** Frame `seq`: an invocation request (even) or response (odd) of invocation `inv-<seq/2>`. */
function frame(sessionId: number, seq: number): Frame {
  const invocationId = `inv-${seq >> 1}`;
  const message =
    seq % 2 === 0
      ? makeMessage({ content: { case: 'invocationRequest', value: { invocationId, functionId: 'f' } } })
      : makeMessage({
          content: { case: 'invocationResponse', value: { invocationId, result: { status: 1 } } },
        });
  return {
    sessionId,
    seq,
    dirSeq: seq >> 1,
    direction: seq % 2 === 0 ? 'toWorker' : 'toHost',
    tNs: BigInt(seq),
    wallMs: 1,
    compressed: false,
    bytes: encodeMessage(message),
  };
}

function missing(path: string): string[] {
  const db = new Database(path, { readonly: true });
  try {
    return missingSecondaryIndexes(db);
  } finally {
    db.close();
  }
}

/** What readers answer for one invocation and one kind (the queries the indexes serve). */
function answers(path: string, sessionId: number): { invocation: number[]; responses: number[] } {
  const rec = openRecording(path);
  try {
    return {
      invocation: [...rec.frames(sessionId, { invocation: 'inv-7' })].map((f) => f.seq),
      responses: [...rec.frames(sessionId, { kinds: ['invocationResponse'] })].map((f) => f.seq).slice(0, 3),
    };
  } finally {
    rec.close();
  }
}

test('SECONDARY_INDEXES are exactly the indexes schema version 1 creates', () => {
  const db = new Database(':memory:');
  migrate(db, MIGRATIONS, SCHEMA_VERSION);
  for (const i of SECONDARY_INDEXES) {
    const sql = db.prepare(`SELECT sql FROM sqlite_master WHERE name = ?`).pluck(true).get(i.name);
    assert.equal(sql, i.sql.replace('IF NOT EXISTS ', ''));
  }
  db.close();
});

test('a capture store leaves the secondary indexes out while it records and builds them at close', async (t) => {
  const path = tmp(t);
  const store = await openCaptureStore(path, { redact: false });
  const id = store.allocateSessionId();
  store.write({ type: 'session-start', session: start(id) });
  for (let seq = 0; seq < 40; seq++) store.write({ type: 'frame', frame: frame(id, seq) });
  await store.flush();
  assert.deepEqual(missing(path), BOTH, 'left out while recording');
  assert.deepEqual(
    answers(path, id),
    { invocation: [14, 15], responses: [1, 3, 5] },
    'readers answer without them',
  );
  await store.close();
  assert.deepEqual(missing(path), [], 'built at close');
  assert.deepEqual(answers(path, id), { invocation: [14, 15], responses: [1, 3, 5] });
});

test('a file holding more frames than the limit keeps its indexes up to date while appending', async (t) => {
  const path = tmp(t);
  const w = createRecordingWriter(path, { redact: false });
  w.addSession(start(1));
  for (let seq = 0; seq < 30; seq++) w.addFrame(frame(1, seq));
  w.close();
  const store = await openCaptureStore(path, { redact: false, tuning: { deferIndexLimit: 10 } });
  const id = store.allocateSessionId();
  store.write({ type: 'session-start', session: start(id) });
  for (let seq = 0; seq < 20; seq++) store.write({ type: 'frame', frame: frame(id, seq) });
  await store.flush();
  assert.deepEqual(missing(path), [], 'kept while appending');
  await store.close();
  assert.deepEqual(answers(path, id), { invocation: [14, 15], responses: [1, 3, 5] });
});

test('an atomic import that aborts leaves the indexes as they were; one that commits builds them', (t) => {
  const path = tmp(t);
  createRecordingWriter(path).close();
  const aborted = createRecordingWriter(path, { atomic: true, redact: false });
  aborted.addSession(start(1));
  aborted.addFrame(frame(1, 0));
  aborted.abort();
  assert.deepEqual(missing(path), []);
  const done = createRecordingWriter(path, { atomic: true, redact: false });
  done.addSession(start(1));
  for (let seq = 0; seq < 20; seq++) done.addFrame(frame(1, seq));
  done.close();
  assert.deepEqual(missing(path), []);
  assert.deepEqual(answers(path, 1), { invocation: [14, 15], responses: [1, 3, 5] });
});

/** Records 40 frames (as `frame` above builds them), waits until they are stored, then SIGKILLs itself. */
const KILLED_CHILD = `
const [, , storeUrl, codecUrl, path] = process.argv;
const { openCaptureStore } = await import(storeUrl);
const { encodeMessage, makeMessage } = await import(codecUrl);
const store = await openCaptureStore(path, { redact: false });
const id = store.allocateSessionId();
store.write({ type: 'session-start', session: { id, startWallMs: 1, upstream: 'u', path: '/p', metadata: {}, functapeVersion: '0', schemaVersion: '0' } });
for (let seq = 0; seq < 40; seq++) {
  const invocationId = 'inv-' + (seq >> 1);
  const message = seq % 2 === 0
    ? makeMessage({ content: { case: 'invocationRequest', value: { invocationId, functionId: 'f' } } })
    : makeMessage({ content: { case: 'invocationResponse', value: { invocationId, result: { status: 1 } } } });
  store.write({ type: 'frame', frame: { sessionId: id, seq, dirSeq: seq >> 1, direction: seq % 2 === 0 ? 'toWorker' : 'toHost', tNs: BigInt(seq), wallMs: 1, compressed: false, bytes: encodeMessage(message) } });
}
await store.flush();
process.kill(process.pid, 'SIGKILL');
`;

test('killed while recording: readers answer from the un-indexed file; the next writer builds the indexes', {
  timeout: 20_000,
}, async (t) => {
  const path = tmp(t);
  const script = join(dirname(path), 'child.mjs');
  writeFileSync(script, KILLED_CHILD);
  const child = spawn(
    process.execPath,
    [
      script,
      new URL('./capture-store.js', import.meta.url).href,
      new URL('../codec/streaming-message.js', import.meta.url).href,
      path,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  t.after(() => child.kill('SIGKILL'));
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const signal = await new Promise((resolve) => child.once('exit', (_code, sig) => resolve(sig)));
  assert.equal(signal, 'SIGKILL', stderr);

  assert.deepEqual(missing(path), BOTH);
  const id = 1;
  assert.deepEqual(answers(path, id), { invocation: [14, 15], responses: [1, 3, 5] });
  assert.deepEqual(
    verifyRecording(path).problems.map((p) => p.kind),
    ['not-ended'],
  );

  // A writer over the limit restores them as it opens, before it appends anything.
  const db = new Database(path);
  const indexes = manageFrameIndexes(db, 10);
  assert.equal(indexes.deferred, false);
  assert.deepEqual(missingSecondaryIndexes(db), []);
  db.close();

  // A writer under the limit (the default here) builds them when it closes.
  const again = new Database(path);
  again.exec(SECONDARY_INDEXES.map((i) => `DROP INDEX ${i.name};`).join(''));
  again.close();
  const store = await openCaptureStore(path);
  await store.close();
  assert.deepEqual(missing(path), []);
  assert.deepEqual(answers(path, id), { invocation: [14, 15], responses: [1, 3, 5] });
});

test('a recording that grows past the limit gets its indexes built then, and keeps them live from there', async (t) => {
  const path = tmp(t);
  const store = await openCaptureStore(path, { redact: false, tuning: { deferIndexLimit: 25 } });
  t.after(() => store.close());
  const id = store.allocateSessionId();
  store.write({ type: 'session-start', session: start(id) });
  for (let seq = 0; seq < 20; seq++) store.write({ type: 'frame', frame: frame(id, seq) });
  await store.flush();
  assert.deepEqual(
    missing(path).sort(),
    ['frames_session_invocation', 'frames_session_kind'],
    'left out below the limit',
  );
  for (let seq = 20; seq < 40; seq++) store.write({ type: 'frame', frame: frame(id, seq) });
  await store.flush();
  assert.deepEqual(missing(path), [], 'built once the file held more than the limit, before close');
  await store.close();
  assert.equal(answers(path, id).invocation.length > 0, true);
});
