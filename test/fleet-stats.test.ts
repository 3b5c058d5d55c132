// stats over the fleet database: per-session rollups (schema v2) against the file's stats.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import pg from 'pg';
import { serviceTimeBucket } from '../src/recording/service-time-buckets.js';
import { pgServiceTimeBucket } from '../src/recording/fleet/rollups.js';
import { openRecording } from '../src/recording/open-recording.js';
import { createRecordingWriter } from '../src/recording/recording-writer.js';
import { startPgServer } from './helpers/pg-server.js';
import { runMain } from './helpers/run-main.js';
import { goldenFiles, tmpDir } from './fleet-helpers.js';

const server = startPgServer();
test.after(() => server.stop());

async function out(argv: string[]): Promise<string> {
  const r = await runMain(argv);
  assert.equal(r.code, 0, `${argv[0]}: ${r.stderr}`);
  return r.stdout;
}

/** The stats rows (JSON) of a file or database. */
const rows = async (db: string, by = 'function') =>
  JSON.parse(await out(['stats', '--db', db, '--by', by, '--json'])).rows as { invocations: number }[];

async function sql<T = Record<string, unknown>>(
  url: string,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text, params)).rows as T[];
  } finally {
    await c.end();
  }
}

/** Everything functape_rollups holds, in a fixed order. */
const rollups = (url: string) =>
  sql(url, 'SELECT * FROM functape_rollups ORDER BY session_uuid, function_id');

/** The first session of `source` again: its first `count` frames, ended only when all are there. */
function sessionPrefix(source: string, path: string, count: number): void {
  const rec = openRecording(source);
  const s = rec.sessions()[0]!;
  const frames = [...rec.frames(s.id)];
  rec.close();
  const w = createRecordingWriter(path);
  const { end, counts: _counts, ...start } = s;
  w.addSession(start);
  for (const f of frames.slice(0, count)) w.addFrame(f);
  if (end && count >= frames.length) w.endSession(end);
  w.close();
}

test("PostgreSQL's bucket expression is serviceTimeBucket", async () => {
  const values = [
    -5,
    0,
    1,
    2047,
    2048,
    2049,
    4095,
    4096,
    123_456,
    999_999_999,
    2 ** 40 + 12_345,
    2 ** 52 - 1,
  ];
  for (let v = 1; v < 1e13; v = Math.ceil(v * 1.37)) values.push(v);
  const got = await sql<{ v: string; b: string }>(
    server.url,
    `SELECT v::text, ${pgServiceTimeBucket('v')}::text AS b FROM unnest($1::bigint[]) v`,
    [values],
  );
  assert.deepEqual(
    got.map((r) => Number(r.b)),
    values.map(serviceTimeBucket),
  );
});

test('a session is rolled up once: a rerun, and a push resumed before the end, replace it, never add to it', async (t) => {
  const files = await goldenFiles(tmpDir(t));
  const url = server.database('rollup_once');
  for (const db of [files.v2!, files['reference-mixed']!]) await out(['push', '--db', db, '--to', url]);
  const first = await rollups(url);
  const total = (await rows(files.v2!)).concat(await rows(files['reference-mixed']!));
  assert.equal(
    first.reduce((n, r) => n + Number(r.invocations), 0),
    total.reduce((n, r) => n + r.invocations, 0),
  );
  await out(['push', '--db', files['reference-mixed']!, '--to', url]);
  assert.deepEqual(await rollups(url), first, 'a rerun');
  // as if the pushes had stopped after the last frame, before the end was written
  await sql(url, 'UPDATE functape_sessions SET end_reason = NULL');
  for (const db of [files.v2!, files['reference-mixed']!]) await out(['push', '--db', db, '--to', url]);
  assert.deepEqual(await rollups(url), first, 'resumed');
  // labels 'reference-mixed' < 'sample 1': the two files' rows in order
  assert.deepEqual(await rows(url, 'label'), [
    ...(await rows(files['reference-mixed']!, 'label')),
    ...(await rows(files.v2!, 'label')),
  ]);
});

test('a live session counts from its invocations until its end, then from its rollup, never twice', async (t) => {
  const dir = tmpDir(t);
  const files = await goldenFiles(dir);
  const url = server.database('rollup_live');
  const src = files['reference-mixed']!;
  const whole = openRecording(src);
  const n = whole.sessions()[0]!.counts.toHost + whole.sessions()[0]!.counts.toWorker;
  whole.close();
  const live = join(dir, 'live.db');
  const ended = join(dir, 'ended.db');
  sessionPrefix(src, live, Math.floor(n / 2));
  sessionPrefix(src, ended, n);
  await out(['push', '--db', live, '--to', url]);
  assert.equal((await rollups(url)).length, 0, 'no rollup before the end');
  for (const by of ['function', 'day']) assert.deepEqual(await rows(url, by), await rows(live, by), by);
  await out(['push', '--db', ended, '--to', url]);
  assert.ok((await rollups(url)).length > 0);
  for (const by of ['function', 'day']) assert.deepEqual(await rows(url, by), await rows(ended, by), by);
  const invocations = async (db: string) => (await rows(db)).map((r) => r.invocations);
  assert.deepEqual(await invocations(ended), await invocations(src), 'the copy has every invocation');
});

test('migration to v2 rolls up the ended sessions of a v1 database; a v1 database is read from its invocations', async (t) => {
  const files = await goldenFiles(tmpDir(t));
  const url = server.database('rollup_migration');
  for (const db of [files.v2!, files['reference-mixed']!]) await out(['push', '--db', db, '--to', url]);
  const pushed = await rollups(url);
  const stats = await rows(url);
  // back to what schema v1 was: v2 only added functape_rollups
  await sql(url, 'DROP TABLE functape_rollups; UPDATE functape_schema SET version = 1');
  assert.deepEqual(await rows(url), stats, 'v1, read from the invocations');
  await out(['push', '--db', files.v2!, '--to', url]); // a push migrates; it sends nothing new
  assert.deepEqual(await sql(url, 'SELECT version FROM functape_schema'), [{ version: 2 }]);
  assert.deepEqual(await rollups(url), pushed);
  assert.deepEqual(await rows(url), stats);
});

test('prune drops the rollups with their sessions', async (t) => {
  const files = await goldenFiles(tmpDir(t));
  const url = server.database('rollup_prune');
  await out(['push', '--db', files.v2!, '--to', url]); // 2026-01-02
  await out(['push', '--db', files['reference-mixed']!, '--to', url]); // 2026-11-25
  const sessions = async () =>
    (await sql<{ n: string }>(url, 'SELECT count(DISTINCT session_uuid) AS n FROM functape_rollups'))[0]!.n;
  assert.equal(await sessions(), '2'); // one of v2's sessions has no invocation
  const days = Math.floor((Date.now() - Date.UTC(2026, 5, 1)) / 86_400_000);
  await out(['prune', '--db', url, '--older-than', `${days}d`]);
  assert.equal(await sessions(), '1');
  assert.deepEqual(await rows(url), await rows(files['reference-mixed']!));
});
