import { test } from 'node:test';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { startPgServer } from './helpers/pg-server.js';
import { runMain } from './helpers/run-main.js';
import { pushRecording } from '../src/recording/fleet/push.js';
import { goldenFiles, tmpDir } from './fleet-helpers.js';

const server = startPgServer();
test.after(() => server.stop());

async function out(argv: string[]): Promise<string> {
  const r = await runMain(argv);
  assert.equal(r.code, 0, `${argv[0]}: ${r.stderr}`);
  assert.ok(!r.stdout.includes(server.password) && !r.stderr.includes(server.password));
  return r.stdout;
}

const sessionsJson = async (db: string, ...flags: string[]) =>
  (JSON.parse(await out(['sessions', '--db', db, '--json', ...flags])) as Record<string, unknown>[]).map(
    ({ host: _host, ...s }) => s,
  );

test('sessions, show, export and stats say the same of a file and of the fleet database it was pushed to', async (t) => {
  const files = await goldenFiles(tmpDir(t));
  for (const [name, db] of Object.entries(files)) {
    const url = server.database(`readers_${name.replaceAll('-', '_')}`);
    await out(['push', '--db', db, '--to', url, '--host', 'h1']);
    assert.deepEqual(await sessionsJson(url), await sessionsJson(db), name);
    for (const filter of [
      ['--failed'],
      ['--label', 'reference-mixed'],
      ['--since', '2026-11-01'],
      ['--until', '2026-11-01'],
    ])
      assert.deepEqual(
        await sessionsJson(url, ...filter),
        await sessionsJson(db, ...filter),
        `${name} ${filter}`,
      );
    assert.equal(await out(['export', '--db', url]), await out(['export', '--db', db]), name);
    assert.equal(await out(['show', '--db', url]), await out(['show', '--db', db]), name);
    const [first] = await sessionsJson(db);
    assert.equal(
      await out(['show', '--db', url, '--session', first!.uuid as string, '--json']),
      await out(['show', '--db', db, '--session', String(first!.id), '--json']),
    );
    // the same rows; an empty report names its source
    const stats = async (target: string, by: string) =>
      (await out(['stats', '--db', target, '--by', by])).replace(/^.*: no invocations$/m, 'no invocations');
    for (const by of ['function', 'label', 'day'])
      assert.equal(await stats(url, by), await stats(db, by), by);
    // to the last digit (percentiles from the same histogram buckets on both sides), filtered too;
    // by host without the names (the file's name, the pushed --host)
    const statsJson = async (target: string, ...flags: string[]) =>
      (JSON.parse(await out(['stats', '--db', target, '--json', ...flags])).rows as { group: string }[]).map(
        (r) => (flags[1] === 'host' ? { ...r, group: '' } : r),
      );
    for (const flags of [
      ['--by', 'host'],
      ['--since', '2026-11-01'],
      ['--until', '2026-11-01'],
    ])
      assert.deepEqual(await statsJson(url, ...flags), await statsJson(db, ...flags), `${name} ${flags}`);
    const verify = async (target: string) => {
      const r = await runMain(['verify', '--db', target, '--json']);
      const report = JSON.parse(r.stdout) as {
        sessions: number;
        frames: number;
        problems: { kind: string }[];
      };
      return {
        code: r.code,
        sessions: report.sessions,
        frames: report.frames,
        kinds: report.problems.map((p) => p.kind),
      };
    };
    assert.deepEqual(await verify(url), await verify(db), name);
  }
});

test('stats counts what the reference session holds: failures, cancellations, logs, service times', async (t) => {
  const files = await goldenFiles(tmpDir(t));
  const url = server.database('stats_counts');
  await out(['push', '--db', files['reference-mixed']!, '--to', url, '--host', 'h1']);
  for (const db of [files['reference-mixed']!, url]) {
    const report = JSON.parse(await out(['stats', '--db', db, '--by', 'function', '--json'])) as {
      rows: {
        group: string;
        invocations: number;
        failures: number;
        cancellations: number;
        rpcLogsPerInvocation: number;
        p50Ms: number;
        maxMs: number;
      }[];
    };
    const by = new Map(report.rows.map((r) => [r.group, r]));
    assert.deepEqual([...by.keys()], ['echo', 'fail', 'hello', 'log', 'sleep']);
    assert.equal(by.get('fail')!.failures, 2);
    assert.equal(by.get('sleep')!.cancellations, 2);
    assert.equal(by.get('log')!.rpcLogsPerInvocation, 2);
    for (const r of by.values()) assert.ok(r.p50Ms > 0 && r.p50Ms <= r.maxMs);
  }
  const host = JSON.parse(await out(['stats', '--db', url, '--by', 'host', '--json'])) as {
    rows: { group: string }[];
  };
  assert.deepEqual(
    host.rows.map((r) => r.group),
    ['h1'],
  );
});

test('--host filters a fleet database; on a file it is a usage error; a bad --since is one line', async (t) => {
  const files = await goldenFiles(tmpDir(t));
  const url = server.database('hosts');
  await out(['push', '--db', files.v2!, '--to', url, '--host', 'a']);
  await out(['push', '--db', files['no-host-messages']!, '--to', url, '--host', 'b']);
  assert.equal((await sessionsJson(url, '--host', 'a')).length, 2);
  assert.equal((await sessionsJson(url, '--host', 'b')).length, 1);
  assert.equal((await sessionsJson(url)).length, 3);
  const table = await out(['sessions', '--db', url]);
  assert.match(table, /^UUID +HOST +ID +LABEL/);
  const onFile = await runMain(['sessions', '--db', files.v2!, '--host', 'a']);
  assert.equal(onFile.code, 2);
  const bad = await runMain(['sessions', '--db', url, '--since', 'yesterday']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^functape: --since takes a date/);
});

test('prune --older-than drops whole days: a dry run only tells, then the old partition and its sessions go', async (t) => {
  const files = await goldenFiles(tmpDir(t));
  const url = server.database('prune');
  await out(['push', '--db', files.v2!, '--to', url, '--host', 'a']); // two sessions on 2026-01-02
  await out(['push', '--db', files['reference-mixed']!, '--to', url, '--host', 'a']); // one on 2026-11-25
  // an age that puts the cut on 2026-06-01, whenever the test runs
  const days = Math.floor((Date.now() - Date.UTC(2026, 5, 1)) / 86_400_000);
  const dry = await out(['prune', '--db', url, '--older-than', `${days}d`, '--dry-run']);
  assert.match(
    dry,
    /^would prune 2 session\(s\), \d+ message\(s\) started before 2026-06-01 \(1 partition\(s\): functape_frames_20260102\)/,
  );
  assert.equal((await sessionsJson(url)).length, 3);
  const done = await out(['prune', '--db', url, '--older-than', `${days}d`]);
  assert.match(done, /^pruned 2 session\(s\)/);
  assert.deepEqual(
    (await sessionsJson(url)).map((s) => s.label),
    ['reference-mixed'],
  );
  assert.match(await out(['verify', '--db', url]), /ok:/);
  const onFile = await runMain(['prune', '--db', files.v2!, '--older-than', '1d']);
  assert.equal(onFile.code, 2);
});

test('stats of a session pushed in chunks of 7 messages (invocations split across chunks) equal the file', async (t) => {
  const files = await goldenFiles(tmpDir(t));
  const url = server.database('chunks');
  const db = files['reference-mixed']!;
  await pushRecording({ db, to: url, host: 'h', chunkFrames: 7 });
  for (const by of ['function', 'label', 'day'])
    assert.deepEqual(
      JSON.parse(await out(['stats', '--db', url, '--by', by, '--json'])).rows,
      JSON.parse(await out(['stats', '--db', db, '--by', by, '--json'])).rows,
      by,
    );
});

test('bench takes a fleet database: the session is pulled into a local file first', async (t) => {
  const files = await goldenFiles(tmpDir(t));
  const url = server.database('bench');
  await out(['push', '--db', files['reference-mixed']!, '--to', url, '--host', 'h']);
  const [session] = await sessionsJson(url);
  const worker = `${process.execPath} ${join(import.meta.dirname, '..', '..', 'bin', 'functape')} worker`;
  const r = await runMain([
    'bench',
    '--db',
    url,
    '--session',
    session!.uuid as string,
    '--worker',
    worker,
    '-c',
    '2',
    '-n',
    '20',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /invocations +20 completed/);
  assert.ok(
    r.stdout.includes(`(session ${session!.uuid})`) && !r.stdout.includes('functape-cache-'),
    r.stdout,
  );
  assert.ok(!`${r.stdout}${r.stderr}`.includes(server.password));
});

test('replay host and minimize take a fleet database: the session is pulled into a local file first', async (t) => {
  const dir = tmpDir(t);
  const files = await goldenFiles(dir);
  const url = server.database('replay');
  const db = files['reference-mixed']!;
  await out(['push', '--db', db, '--to', url, '--host', 'h']);
  const [session] = await sessionsJson(url);
  const worker = `${process.execPath} ${join(import.meta.dirname, '..', '..', 'bin', 'functape')} worker --bug state`;
  const pass = ['--worker', worker, '--pace', 'fast', '--in-order'];
  // the verdict and every differing field, without the live timings
  const verdict = async (from: string, ...which: string[]) => {
    const r = await runMain(['replay', 'host', '--db', from, ...which, ...pass]);
    assert.ok(!`${r.stdout}${r.stderr}`.includes(server.password));
    return {
      code: r.code,
      diffs: r.stdout.split('\n').filter((l) => !/service time|answers matched/.test(l)),
    };
  };
  const fromFile = await verdict(db);
  assert.equal(fromFile.code, 1, fromFile.diffs.join('\n'));
  assert.deepEqual(await verdict(url, '--session', session!.uuid as string), fromFile);
  const min = join(dir, 'min.db');
  const m = await runMain([
    'minimize',
    '--db',
    url,
    '--session',
    session!.uuid as string,
    ...pass,
    '--out',
    min,
  ]);
  assert.equal(m.code, 0, m.stderr);
  assert.match(m.stdout, /units: \d+ → 2/);
  // the output names the database (password masked) and the session, not the temporary copy
  assert.ok(m.stdout.includes(`(session ${session!.uuid})`), m.stdout);
  assert.ok(!m.stdout.includes('functape-cache-'), m.stdout);
  assert.ok(!`${m.stdout}${m.stderr}`.includes(server.password));
  const bad = await runMain(['replay', 'host', '--db', url, '--session', '1', ...pass]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /in a fleet database a session is its uuid/);
});
