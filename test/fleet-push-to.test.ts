import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import type { HostReport } from '../src/peers/host-report.js';
import { spawnWorker } from '../src/peers/spawn-worker.js';
import type { SessionInfo } from '../src/model/session.js';
import { openRecording } from '../src/recording/open-recording.js';
import { hostInProcess } from './helpers/host-in-process.js';
import { startPgServer } from './helpers/pg-server.js';
import { assertPythonGrpc, PY_DIR, PYTHON } from './helpers/python.js';
import { runMain, sink } from './helpers/run-main.js';
import { startBackgroundPush } from '../src/cli/push-to.js';
import { exportText, goldenFiles, tmpDir } from './fleet-helpers.js';

const server = startPgServer();
test.after(() => server.stop());
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'functape');
const WRAPS = 10;
const INVOCATIONS = 300;

function functape(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 120_000 }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

/**
 * The scripted host, in this process (one process drives every wrap), running `invocations`
 * through `wrap --db DB --push-to URL -- python3 worker.py`: the wrap, its worker and its
 * pusher are the only processes a session costs. The Python grpcio worker, because it is the
 * lighter of the two real gRPC workers here: 10 sessions of 300 invocations took 23-25 s of
 * CPU with it, 28-31 s with `functape worker` (3 runs each, alternated; pushers not counted).
 */
function hostThroughWrap(db: string, url: string, invocations: number): Promise<HostReport> {
  const wrap = [process.execPath, BIN, 'wrap', '--db', db, '--push-to', url, '--quiet', '--'];
  return hostInProcess({
    startWorker: (hostArgs) =>
      spawnWorker([...wrap, PYTHON, join(PY_DIR, 'worker.py'), '--timeout', '60'], hostArgs),
    functions: ['echo', 'log', 'fail'],
    invocations,
    concurrency: 8,
    plan: { logCount: 2, bigMb: 0, cancelEvery: 0 },
  });
}

interface PushedSession {
  uuid: string;
  ended: boolean;
  toHost: number;
  toWorker: number;
  distinctSeq: number;
  maxSeq: number | null;
}

/** Every session in the fleet database with its frames counted there, per direction. */
async function pushedSessions(client: pg.Client): Promise<PushedSession[]> {
  const r = await client
    .query(
      `SELECT s.uuid, s.end_reason IS NOT NULL AS ended,
         count(f.seq) FILTER (WHERE f.direction = 'toHost')::int AS "toHost",
         count(f.seq) FILTER (WHERE f.direction = 'toWorker')::int AS "toWorker",
         count(DISTINCT f.seq)::int AS "distinctSeq", max(f.seq) AS "maxSeq"
       FROM functape_sessions s LEFT JOIN functape_frames f ON f.session_uuid = s.uuid
       GROUP BY s.uuid`,
    )
    .catch(() => ({ rows: [] }));
  return r.rows as PushedSession[];
}

/** What the database holds of a whole session `s` of a local recording, pushed once. */
function pushedWhole(s: SessionInfo): PushedSession {
  const frames = s.counts.toHost + s.counts.toWorker;
  const { toHost, toWorker } = s.counts;
  return { uuid: s.uuid!, ended: true, toHost, toWorker, distinctSeq: frames, maxSeq: frames - 1 };
}

/**
 * The background pushers outlive their wraps and this test holds no handle on them: poll the
 * database until `count` sessions are there, each with its end (or the deadline passes).
 */
async function waitForEnded(client: pg.Client, count: number): Promise<PushedSession[]> {
  let rows: PushedSession[] = [];
  for (const until = Date.now() + 90_000; Date.now() < until; await new Promise((r) => setTimeout(r, 100))) {
    rows = await pushedSessions(client);
    if (rows.length === count && rows.every((r) => r.ended)) break;
  }
  return rows;
}

test(`${WRAPS} wraps with --push-to into one database at once: every session arrives whole, once, and exports as its file does`, async (t) => {
  assertPythonGrpc();
  const dir = tmpDir(t);
  const url = server.database('pushto');
  const files = Array.from({ length: WRAPS }, (_, i) => join(dir, `w${i}.db`));
  const reports = await Promise.all(files.map((db) => hostThroughWrap(db, url, INVOCATIONS)));
  for (const r of reports) {
    assert.equal(r.outcome, 'ok', `${r.problem}\n${r.worker.stderrTail.join('\n')}`);
    assert.equal(r.invocations.answered, INVOCATIONS);
    const stderr = r.worker.stderrTail.join('\n');
    assert.ok(!stderr.includes(server.password));
    // 10 pushers connecting and migrating the schema at once: no pass failed while the wraps ran.
    assert.ok(!stderr.includes('functape push:'), stderr);
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  t.after(() => client.end());
  const pushed = new Map((await waitForEnded(client, WRAPS)).map((r) => [r.uuid, r]));
  for (const db of files) {
    const rec = openRecording(db);
    const [s, ...more] = rec.sessions();
    rec.close();
    assert.ok(s && more.length === 0, `${db} holds one session`);
    const frames = s.counts.toHost + s.counts.toWorker;
    assert.ok(frames > INVOCATIONS * 3, `${db}: ${frames} messages`);
    assert.deepEqual(pushed.get(s.uuid!), pushedWhole(s));
    const fromFleet = await runMain(['export', '--db', url, '--session', s.uuid!]);
    assert.equal(fromFleet.code, 0, fromFleet.stderr);
    assert.equal(fromFleet.stdout, await exportText(db), `${db}: export from the database`);
  }
  assert.equal(pushed.size, WRAPS);
  const verify = await runMain(['verify', '--db', url]);
  assert.equal(verify.code, 0, verify.stdout);
  assert.match(verify.stdout, new RegExp(`\\b${WRAPS} session`));
});

/** Other connections to the database `client` is on (the pushers'), polled until `done` says so. */
async function connectionsUntil(client: pg.Client, done: (n: number) => boolean): Promise<number> {
  let n = -1;
  for (const until = Date.now() + 30_000; Date.now() < until; await new Promise((r) => setTimeout(r, 50))) {
    n = (
      await client.query(
        'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
      )
    ).rows[0].n;
    if (done(n)) break;
  }
  return n;
}

test('--push-to: a pusher stopped as soon as it starts still makes its pass; an idle one holds no connection; one whose recorder is killed with SIGKILL exits', async (t) => {
  const dir = tmpDir(t);
  const db = (await goldenFiles(dir))['reference-mixed']!;
  const url = server.database('stopped_early');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  t.after(() => client.end());
  // A session shorter than the pusher's start-up: the stop comes before it could set a handler.
  const errors = sink();
  const pusher = startBackgroundPush(db, url, errors);
  pusher.stop();
  await pusher.exited;
  const rec = openRecording(db);
  const sessions = rec.sessions();
  rec.close();
  assert.deepEqual(await pushedSessions(client), sessions.map(pushedWhole), errors.text());

  // A recorder with nothing to push: its pusher connects once (the URL and the schema are
  // checked at start), then holds no connection while it waits.
  const idleUrl = server.database('idle_pusher');
  const idle = new pg.Client({ connectionString: idleUrl });
  await idle.connect();
  t.after(() => idle.end());
  const killedDb = join(dir, 'killed.db');
  const recorder = spawn(
    process.execPath,
    [BIN, 'record', '--db', killedDb, '--upstream', '127.0.0.1:1', '--push-to', idleUrl],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  t.after(() => recorder.kill('SIGKILL'));
  await once(recorder.stdout, 'data');
  const pushers = await until(
    () => pushersOf(killedDb),
    (p) => p.length > 0,
  );
  assert.equal(pushers.length, 1, 'one pusher runs beside the recorder');
  const schema = async () =>
    (await idle.query(`SELECT to_regclass('functape_sessions') IS NOT NULL AS made`)).rows[0].made as boolean;
  assert.equal(await until(schema, (made) => made), true, 'its first pass connected and made the schema');
  assert.equal(await connectionsUntil(idle, (n) => n === 0), 0, 'then it holds no connection');
  assert.deepEqual(pushersOf(killedDb), pushers, 'while it still runs');
  recorder.kill('SIGKILL');
  assert.deepEqual(
    await until(
      () => pushersOf(killedDb),
      (p) => p.length === 0,
    ),
    [],
    'gone with its recorder',
  );
});

/** Pids of the background pushers of recording `db` (Linux: their command lines in /proc). */
function pushersOf(db: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let args: string[];
    try {
      args = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // gone meanwhile
    }
    if (args.includes('push') && args.includes('--until-stdin-ends') && args.includes(db))
      pids.push(Number(name));
  }
  return pids;
}

/** `read()` again every 50 ms until `done` says so or 30 s pass; the last value read. */
async function until<T>(read: () => T | Promise<T>, done: (v: T) => boolean): Promise<T> {
  let v = await read();
  for (const end = Date.now() + 30_000; !done(v) && Date.now() < end; v = await read())
    await new Promise((r) => setTimeout(r, 50));
  return v;
}

test('--push-to with a database that is down: the relay goes on, the push reports and gives up at the end, push catches up', async (t) => {
  const dir = tmpDir(t);
  const db = join(dir, 'down.db');
  const down = server.url.replace(/\/functape\?/, '/not_there_yet?');
  const r = await functape([
    'host',
    '--worker',
    `${process.execPath} ${BIN} wrap --db ${db} --push-to ${down} --quiet -- ${process.execPath} ${BIN} worker`,
    '-n',
    '4',
    '-f',
    'echo',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const later = server.database('not_there_yet');
  const push = await runMain(['push', '--db', db, '--to', later]);
  assert.equal(push.code, 0, push.stderr);
  assert.match(push.stdout, /complete/);
  const refused = await runMain([
    'record',
    '--db',
    db,
    '--upstream',
    '127.0.0.1:1',
    '--redact',
    'off',
    '--push-to',
    later,
  ]);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /--push-to does not push what --redact off records/);
});
