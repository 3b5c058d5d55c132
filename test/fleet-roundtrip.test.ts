import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { openRecording } from '../src/recording/open-recording.js';
import { startPgServer } from './helpers/pg-server.js';
import { runMain } from './helpers/run-main.js';
import { bigRecording, exportText, goldenFiles, tmpDir } from './fleet-helpers.js';

const server = startPgServer();
test.after(() => server.stop());
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'functape');

function uuids(db: string): string[] {
  const rec = openRecording(db);
  const out = rec.sessions().map((s) => s.uuid!);
  rec.close();
  return out;
}

test('record → push → pull → export is byte-identical, for every golden recording; a second push sends nothing', async (t) => {
  const dir = tmpDir(t);
  const url = server.database('golden');
  for (const [name, db] of Object.entries(await goldenFiles(dir))) {
    const before = readFileSync(db);
    const push = await runMain(['push', '--db', db, '--to', url, '--host', `host-${name}`]);
    assert.equal(push.code, 0, push.stderr);
    assert.deepEqual(readFileSync(db), before, 'push never changes the file');
    const again = await runMain(['push', '--db', db, '--to', url, '--host', `host-${name}`]);
    assert.match(again.stdout, /^pushed 0 message\(s\)/m, name);
    const copy = join(dir, `${name}-pulled.db`);
    const pull = await runMain([
      'pull',
      '--from',
      url,
      '--db',
      copy,
      ...uuids(db).flatMap((u) => ['--session', u]),
    ]);
    assert.equal(pull.code, 0, pull.stderr);
    assert.equal(await exportText(copy), await exportText(db), name);
    assert.deepEqual(uuids(copy), uuids(db), 'the pulled sessions keep their uuids');
    for (const out of [push, again, pull]) assert.ok(!`${out.stdout}${out.stderr}`.includes(server.password));
  }
});

test('a 100k-message session: a push killed with SIGKILL half-way and run again leaves every frame once; pull → export is byte-identical', async (t) => {
  const dir = tmpDir(t);
  const url = server.database('big');
  const files = await goldenFiles(dir);
  const db = join(dir, 'big.db');
  bigRecording(files['reference-mixed']!, db, 100_000);
  const [uuid] = uuids(db);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  t.after(() => client.end());
  const child = spawn(process.execPath, [BIN, 'push', '--db', db, '--to', url, '--host', 'h'], {
    stdio: 'ignore',
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let killedAt = -1;
  while (child.exitCode === null) {
    const r = await client
      .query(
        `SELECT to_regclass('functape_sessions') IS NOT NULL AND
         (SELECT next_seq FROM functape_sessions WHERE uuid = $1) > 0 AS moved`,
        [uuid],
      )
      .catch(() => ({ rows: [{ moved: false }] }));
    if ((r.rows[0] as { moved: boolean | null }).moved) {
      child.kill('SIGKILL');
      killedAt = Number(
        (await client.query('SELECT next_seq FROM functape_sessions WHERE uuid = $1', [uuid])).rows[0]
          .next_seq,
      );
      break;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  await exited;
  assert.ok(killedAt > 0 && killedAt < 100_000, `killed half-way (after ${killedAt} frames)`);
  const rerun = await runMain(['push', '--db', db, '--to', url, '--host', 'h']);
  assert.equal(rerun.code, 0, rerun.stderr);
  assert.match(rerun.stdout, new RegExp(`pushed ${100_000 - killedAt} message`));
  const counts = (
    await client.query(
      'SELECT count(*)::int AS n, count(DISTINCT seq)::int AS d, min(seq) AS lo, max(seq) AS hi FROM functape_frames WHERE session_uuid = $1',
      [uuid],
    )
  ).rows[0];
  assert.deepEqual(counts, { n: 100_000, d: 100_000, lo: 0, hi: 99_999 });
  const verify = await runMain(['verify', '--db', url]);
  assert.equal(verify.code, 0, verify.stdout);
  const copy = join(dir, 'pulled.db');
  const pull = await runMain(['pull', '--from', url, '--db', copy, '--session', uuid!]);
  assert.equal(pull.code, 0, pull.stderr);
  const hash = (s: string) => createHash('sha256').update(s).digest('hex');
  assert.equal(hash(await exportText(copy)), hash(await exportText(db)));
});

test('a session recorded with --redact off is refused (exit 2, one line) unless --allow-unredacted', async (t) => {
  const dir = tmpDir(t);
  const url = server.database('unredacted');
  const db = join(dir, 'off.db');
  const fixture = join(import.meta.dirname, '..', '..', 'fixtures', 'sessions', 'no-host-messages.ndjson');
  assert.equal((await runMain(['import', '--db', db, '--in', fixture, '--redact', 'off'])).code, 0);
  const refused = await runMain(['push', '--db', db, '--to', url]);
  assert.equal(refused.code, 2);
  assert.match(
    refused.stderr,
    /^functape: session 1 of .* was recorded with --redact off.*--allow-unredacted/,
  );
  assert.equal(refused.stderr.trim().split('\n').length, 1);
  const allowed = await runMain(['push', '--db', db, '--to', url, '--allow-unredacted']);
  assert.equal(allowed.code, 0, allowed.stderr);
});

test('the password never shows: a wrong password, a missing database, a bad URL', async (t) => {
  const dir = tmpDir(t);
  const files = await goldenFiles(dir);
  const wrong = server.url.replace(server.password, `${server.password}x`);
  const missing = server.url.replace('/functape?', '/no_such_db?');
  for (const url of [wrong, missing]) {
    const r = await runMain(['push', '--db', files.v2!, '--to', url]);
    assert.equal(r.code, 2, r.stderr);
    assert.ok(!r.stderr.includes(server.password), r.stderr);
    assert.match(r.stderr, /^functape: postgres:\/\/functape:\*\*\*@/);
    const pull = await runMain(['pull', '--from', url, '--db', join(dir, 'x.db'), '--session', 'x']);
    assert.equal(pull.code, 2);
    assert.ok(!pull.stderr.includes(server.password), pull.stderr);
  }
});
