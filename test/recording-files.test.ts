// Files that are not (usable) functape recordings give a one-line RecordingError and stay
// byte-identical; golden recordings of every schema version open, export as their
// checked-in NDJSON, and are migrated by writers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openCaptureStore } from '../src/recording/capture-store.js';
import { createFrameLiner, sessionEndLine, sessionLine } from '../src/codec/ndjson.js';
import { openRecording, type Recording } from '../src/recording/open-recording.js';
import { RecordingError, type RecordingErrorReason } from '../src/recording/recording-error.js';
import { createRecordingWriter } from '../src/recording/recording-writer.js';
import { APPLICATION_ID, SCHEMA_VERSION } from '../src/recording/schema.js';
import { verifyRecording } from '../src/recording/verify-recording.js';
import { writeSampleRecording } from './recording-sample.js';

const FIXTURES = join(process.cwd(), 'fixtures', 'recordings');

function tmpDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'functape-files-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Every way of opening a recording, each expected to refuse the file. */
const OPENERS: [string, (path: string) => Promise<unknown>][] = [
  ['openRecording', async (p) => openRecording(p).close()],
  ['verifyRecording', async (p) => verifyRecording(p)],
  ['createRecordingWriter', async (p) => createRecordingWriter(p).close()],
  ['openCaptureStore', async (p) => (await openCaptureStore(p)).close()],
];

async function assertRefused(path: string, reason: RecordingErrorReason, pattern: RegExp): Promise<void> {
  const before = readFileSync(path);
  for (const [name, open] of OPENERS) {
    await assert.rejects(open(path), (err: unknown) => {
      assert.ok(err instanceof RecordingError, `${name}: ${String(err)}`);
      assert.equal(err.reason, reason, `${name}: ${err.message}`);
      assert.match(err.message, pattern);
      assert.ok(!err.message.includes('\n'), 'one line');
      assert.ok(err.message.includes(path), 'names the file');
      return true;
    });
    assert.deepEqual(readFileSync(path), before, `${name} left the file byte-identical`);
    assert.ok(!existsSync(`${path}-wal`), `${name} created no WAL`);
  }
}

function sampleDb(dir: string): string {
  const path = join(dir, 'sample.db');
  writeSampleRecording(path);
  return path;
}

test('a text file is not an SQLite database', async (t) => {
  const path = join(tmpDir(t), 'notes.db');
  writeFileSync(path, 'hello, this is not a database\n'.repeat(20));
  await assertRefused(path, 'not-sqlite', /not an SQLite database/);
});

test("another program's SQLite database", async (t) => {
  const path = join(tmpDir(t), 'other.db');
  const db = new Database(path);
  db.exec(
    "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers (name) VALUES ('x')",
  );
  db.close();
  await assertRefused(path, 'foreign', /another program.*customers/);
});

test('a recording from a newer functape (user_version above ours)', async (t) => {
  const path = sampleDb(tmpDir(t));
  const db = new Database(path);
  db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
  db.pragma('journal_mode = DELETE');
  db.close();
  await assertRefused(
    path,
    'newer-schema',
    new RegExp(`schema version ${SCHEMA_VERSION + 1}.*upgrade functape`),
  );
});

test('a truncated recording is corrupt', async (t) => {
  const path = sampleDb(tmpDir(t));
  truncateSync(path, 8192 + 100);
  await assertRefused(path, 'corrupt', /corrupt/);
});

test('a file shorter than its header says while a WAL index exists is left to SQLite, not called truncated', async (t) => {
  // What another process sees while a writer checkpoints: page 1 (with the new page
  // count) is written before the pages that extend the file, and the -shm exists.
  const path = sampleDb(tmpDir(t));
  truncateSync(path, 8192 + 100);
  writeFileSync(`${path}-shm`, '');
  let message = '';
  try {
    openRecording(path).close();
  } catch (err) {
    message = (err as Error).message;
  }
  assert.doesNotMatch(message, /truncated/);
});

test('a recording whose schema page is garbage is corrupt', async (t) => {
  const path = sampleDb(tmpDir(t));
  const bytes = readFileSync(path);
  for (let i = 100; i < 4096; i++) bytes[i] = (i * 7) & 0xff; // page 1 after the file header
  writeFileSync(path, bytes);
  await assertRefused(path, 'corrupt', /corrupt|malformed/);
});

test('a missing file: readers say so; writers create it', async (t) => {
  const dir = tmpDir(t);
  assert.throws(
    () => openRecording(join(dir, 'nope.db')),
    (e: unknown) => e instanceof RecordingError && e.reason === 'missing',
  );
  assert.throws(
    () => verifyRecording(join(dir, 'nope.db')),
    (e: unknown) => e instanceof RecordingError && e.reason === 'missing',
  );
  assert.throws(
    () => createRecordingWriter(join(dir, 'no-such-dir', 'x.db')),
    (e: unknown) => e instanceof RecordingError,
  );
  const w = createRecordingWriter(join(dir, 'new.db'));
  w.close();
  const db = new Database(join(dir, 'new.db'), { readonly: true });
  assert.equal(db.pragma('application_id', { simple: true }), APPLICATION_ID);
  assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  db.close();
});

function exportText(rec: Recording): string {
  const line = createFrameLiner();
  const out: string[] = [];
  for (const s of rec.sessions()) {
    out.push(sessionLine(s));
    for (const f of rec.frames(s.id)) out.push(line(f));
    if (s.end) out.push(sessionEndLine(s.end));
  }
  return `${out.join('\n')}\n`;
}

/** A session start with nothing in it. */
const BARE_START = {
  startWallMs: 5,
  upstream: '',
  path: '',
  metadata: {},
  functapeVersion: 'x',
  schemaVersion: 'y',
};

const goldens = readdirSync(FIXTURES).filter((f) => /^v\d+\.db$/.test(f));

test('there is a golden recording for every schema version', () => {
  for (let v = 1; v <= SCHEMA_VERSION; v++)
    assert.ok(goldens.includes(`v${v}.db`), `fixtures/recordings/v${v}.db`);
});

for (const golden of goldens) {
  test(`golden ${golden} opens read-only, unchanged, and exports as its checked-in NDJSON`, (t) => {
    const dir = tmpDir(t);
    const path = join(dir, golden);
    copyFileSync(join(FIXTURES, golden), path);
    const before = readFileSync(path);
    const rec = openRecording(path);
    const text = exportText(rec);
    rec.close();
    assert.equal(text, readFileSync(join(FIXTURES, golden.replace('.db', '.ndjson')), 'utf8'));
    assert.deepEqual(readFileSync(path), before);
  });

  test(`golden ${golden} is migrated by a writer and keeps its sessions`, (t) => {
    const dir = tmpDir(t);
    const path = join(dir, golden);
    copyFileSync(join(FIXTURES, golden), path);
    const rec0 = openRecording(path);
    const old = exportText(rec0);
    const oldIds = rec0.sessions().map((s) => s.id);
    rec0.close();
    const w = createRecordingWriter(path);
    const id = w.addSession({ id: 1, ...BARE_START });
    assert.ok(!oldIds.includes(id), 'a taken id is not reused');
    w.close();
    const rec = openRecording(path);
    assert.equal(rec.schemaVersion, SCHEMA_VERSION);
    assert.deepEqual(
      rec.sessions().map((s) => s.id),
      [...oldIds, id],
    );
    const after = exportText(rec).split('\n');
    rec.close();
    assert.ok(after.join('\n').startsWith(old.trimEnd()), 'the old sessions read back the same');
    assert.equal(verifyRecording(path).problems.filter((p) => p.kind !== 'not-ended').length, 0);
  });
}

test('a new session gets a uuid, keeps one it is given, and records whether it was redacted', (t) => {
  const path = join(tmpDir(t), 'u.db');
  const start = BARE_START;
  const given = '0b7c5b8e-3f5e-4a55-9d1c-6a0f0b0c0d0e';
  const w = createRecordingWriter(path);
  w.addSession({ ...start, id: 1 });
  w.addSession({ ...start, id: 2, uuid: given });
  w.close();
  const off = createRecordingWriter(path, { redact: false });
  off.addSession({ ...start, id: 3 });
  off.close();
  const rec = openRecording(path);
  const [a, b, c] = rec.sessions();
  rec.close();
  assert.match(a!.uuid ?? '', /^[0-9a-f-]{36}$/);
  assert.equal(b!.uuid, given);
  assert.notEqual(c!.uuid, a!.uuid);
  assert.deepEqual([a!.redactOff, b!.redactOff, c!.redactOff], [undefined, undefined, true]);
});
