import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { openRecording } from '../src/recording/open-recording.js';
import { startPgServer } from './helpers/pg-server.js';
import { runMain } from './helpers/run-main.js';
import { tmpDir } from './fleet-helpers.js';

const server = startPgServer();
test.after(() => server.stop());
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'functape');

function functape(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 120_000 }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

test('3 wraps with --push-to into one database at once: every session arrives whole, once', async (t) => {
  const dir = tmpDir(t);
  const url = server.database('pushto');
  const files = Array.from({ length: 3 }, (_, i) => join(dir, `w${i}.db`));
  const runs = await Promise.all(
    files.map((db) =>
      functape([
        'host',
        '--worker',
        `${process.execPath} ${BIN} wrap --db ${db} --push-to ${url} --quiet -- ${process.execPath} ${BIN} worker`,
        '-n',
        '6',
        '-f',
        'echo,fail,log',
      ]),
    ),
  );
  for (const r of runs) {
    assert.equal(r.code, 0, `${r.stderr}\n${r.stdout.slice(0, 3000)}`);
    assert.ok(!r.stderr.includes(server.password));
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  t.after(() => client.end());
  const expected = files.reduce((n, db) => {
    const rec = openRecording(db);
    const count = rec.sessions().length;
    rec.close();
    return n + count;
  }, 0);
  // The pushers finish on their own after their wrap exits: wait for the last session's end.
  let rows: { uuid: string; th: number; tw: number; ended: boolean; frames: number }[] = [];
  for (const until = Date.now() + 90_000; Date.now() < until; await new Promise((r) => setTimeout(r, 200))) {
    rows = (
      await client
        .query(
          `SELECT s.uuid, s.to_host::int AS th, s.to_worker::int AS tw, s.end_reason IS NOT NULL AS ended,
           (SELECT count(*)::int FROM functape_frames f WHERE f.session_uuid = s.uuid) AS frames
         FROM functape_sessions s`,
        )
        .catch(() => ({ rows: [] }))
    ).rows;
    if (rows.length === expected && rows.every((r) => r.ended)) break;
  }
  const pushed = new Map(rows.map((r) => [r.uuid, r]));
  let local = 0;
  for (const db of files) {
    const rec = openRecording(db);
    for (const s of rec.sessions()) {
      local++;
      const p = pushed.get(s.uuid!);
      assert.ok(p, `session ${s.uuid} of ${db} was pushed`);
      assert.deepEqual(
        { th: p.th, tw: p.tw, ended: p.ended, frames: p.frames },
        {
          th: s.counts.toHost,
          tw: s.counts.toWorker,
          ended: true,
          frames: s.counts.toHost + s.counts.toWorker,
        },
      );
    }
    rec.close();
  }
  assert.equal(rows.length, local);
  const verify = await runMain(['verify', '--db', url]);
  assert.equal(verify.code, 0, verify.stdout);
});

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
