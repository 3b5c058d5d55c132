// sessions / show / export / import / verify through the real CLI parser, in process,
// against real files: output, exit codes, one-line errors, export → import → export identity.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { main } from '../src/cli/main.js';
import { runMain, sink, type MainRun } from './helpers/run-main.js';
import { writeSampleRecording } from './recording-sample.js';

const cli = (...argv: string[]): Promise<MainRun> => runMain(argv);

function setup(t: { after: (fn: () => void) => void }): { dir: string; db: string } {
  const dir = mkdtempSync(join(tmpdir(), 'functape-views-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const db = join(dir, 'rec.db');
  writeSampleRecording(db);
  return { dir, db };
}

test('sessions: one line per session with label, worker, counts and final status; --json', async (t) => {
  const { db } = setup(t);
  const r = await cli('sessions', '--db', db);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 3);
  assert.match(
    lines[0]!,
    /^ID\s+LABEL\s+WORKER\s+START \(UTC\)\s+DURATION\s+→HOST\s+→WORKER\s+FINAL STATUS$/,
  );
  assert.match(
    lines[1]!,
    /^ 1\s+sample 1\s+worker-7\s+2026-01-02 03:04:05\.678Z\s+20\.0ms\s+7\s+5\s+OK \(completed\)$/,
  );
  assert.match(lines[2]!, /^ 2\s+sample 2\s+worker-7\s+.*-\s+2\s+1\s+not ended$/);
  const j = await cli('sessions', '--db', db, '--json');
  const parsed = JSON.parse(j.stdout) as { id: number; counts: unknown; end?: { endNs: string } }[];
  assert.deepEqual(
    parsed.map((s) => s.id),
    [1, 2],
  );
  assert.deepEqual(parsed[0]!.counts, { toHost: 7, toWorker: 5 });
  assert.equal(parsed[0]!.end!.endNs, '20000000');
});

test('show: timeline rows with time, arrow, kind, ids, size, summary; --kind and --session filter; --json rows', async (t) => {
  const { db } = setup(t);
  const r = await cli('show', '--db', db, '--session', '1');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^session 1 "sample 1" worker worker-7 upstream 127\.0\.0\.1:7071/);
  assert.equal(lines.length, 1 + 12 + 1);
  assert.match(lines[1]!, /^\s+0\.000000s H←W startStream\s+req:req-1\s+20 B\s+worker worker-7$/);
  assert.match(lines[4]!, /H→W functionLoadRequest\s+fn:hello\s+\d+ B\s+load hello$/);
  assert.match(lines[7]!, /H←W rpcLog\s+inv:inv-1 fn:hello\s+\d+ B\s+Information: hello from the worker$/);
  assert.match(lines[10]!, /H←W invocationResponse\s+inv:inv-2 fn:hello\s+\d+ B\s+Failure: boom$/);
  assert.match(lines[11]!, /H←W unknown .*3 B\s+\S/);
  assert.match(lines[13]!, /^end: OK \(completed\) after 0\.020000s$/);

  const k = await cli(
    'show',
    '--db',
    db,
    '--session',
    '1',
    '--kind',
    'invocationRequest,invocationResponse',
    '--json',
  );
  const rows = k.stdout
    .trimEnd()
    .split('\n')
    .map(
      (l) =>
        JSON.parse(l) as { kind: string; seq: number; tNs: string; functionName?: string; summary: string },
    );
  assert.deepEqual(
    rows.map((x) => [x.seq, x.kind]),
    [
      [5, 'invocationRequest'],
      [7, 'invocationResponse'],
      [8, 'invocationRequest'],
      [9, 'invocationResponse'],
    ],
  );
  assert.equal(rows[3]!.summary, 'Failure: boom');
  assert.equal(typeof rows[0]!.tNs, 'string');

  const inv = await cli('show', '--db', db, '--session', '1', '--invocation', 'inv-1');
  const invLines = inv.stdout.trimEnd().split('\n').slice(1, -1);
  assert.deepEqual(
    invLines.map((l) => l.split(/\s+/)[3]),
    ['invocationRequest', 'rpcLog', 'invocationResponse'],
  );
  assert.ok(
    invLines.every((l) => l.includes('fn:hello')),
    'the function name is known although its load request is filtered out',
  );

  const all = await cli('show', '--db', db);
  assert.equal(all.code, 0);
  assert.match(all.stderr, /showing all 2 sessions/);
  assert.match(all.stdout, /^session 2 /m);
  assert.match(all.stdout, /^end: not ended$/m);
});

test('export → import → export is byte-identical; the file format is the documented NDJSON', async (t) => {
  const { dir, db } = setup(t);
  const first = await cli('export', '--db', db);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, /exporting all 2 sessions/);
  const lines = first.stdout
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(lines[0]!.type, 'session');
  assert.deepEqual(Object.keys(lines[1]!), [
    'session',
    'seq',
    'direction',
    'tNs',
    'wallTime',
    'kind',
    'requestId',
    'invocationId',
    'functionId',
    'size',
    'message',
    'bytes',
  ]);
  assert.deepEqual(lines[1]!.message, { requestId: 'req-1', startStream: { workerId: 'worker-7' } });
  assert.equal(lines[13]!.type, 'session-end');
  const unknown = lines.find((l) => l.kind === 'unknown')!;
  assert.equal(unknown.message, null);
  assert.equal(unknown.bytes, Buffer.from([0xff, 0xff, 0x01]).toString('base64'));
  assert.equal(typeof unknown.decodeError, 'string');

  const file = join(dir, 'out.ndjson');
  assert.equal((await cli('export', '--db', db, '--out', file)).code, 0);
  assert.equal(readFileSync(file, 'utf8'), first.stdout);
  assert.equal(statSync(file).mode & 0o777, 0o600);

  const copy = join(dir, 'copy.db');
  const imp = await cli('import', '--db', copy, '--in', file);
  assert.equal(imp.code, 0, imp.stderr);
  assert.match(imp.stdout, /imported 2 session\(s\) \(1, 2\), 15 messages/);
  const second = await cli('export', '--db', copy);
  assert.equal(second.stdout, first.stdout);

  // importing again into the same file renumbers the sessions rather than mixing them
  const again = await cli('import', '--db', copy, '--in', file);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /renumbered: 1 → 3, 2 → 4/);
  const one = await cli('export', '--db', copy, '--session', '3');
  assert.equal(
    one.stdout.replaceAll('"session":3', '"session":1'),
    `${first.stdout
      .split('\n')
      .filter((l) => l.includes('"session":1'))
      .join('\n')}\n`,
  );
});

test('import: frames without a session line get a session; a bad line is one error, exit 2, nothing imported', async (t) => {
  const { dir, db } = setup(t);
  const exported = (await cli('export', '--db', db, '--session', '1')).stdout.split('\n');
  const bare = join(dir, 'bare.ndjson');
  writeFileSync(bare, exported.filter((l) => l && !l.includes('"type"')).join('\n'));
  const target = join(dir, 'bare.db');
  const ok = await cli('import', '--db', target, '--in', bare);
  assert.equal(ok.code, 0, ok.stderr);
  const s = JSON.parse((await cli('sessions', '--db', target, '--json')).stdout) as {
    id: number;
    workerId: string;
    counts: unknown;
  }[];
  assert.deepEqual(
    s.map((x) => [x.id, x.workerId, x.counts]),
    [[1, 'worker-7', { toHost: 7, toWorker: 5 }]],
  );

  const bad = join(dir, 'bad.ndjson');
  writeFileSync(
    bad,
    [...exported.slice(0, 4), '{"session":1,"seq":99,"direction":"sideways"}', ...exported.slice(4)].join(
      '\n',
    ),
  );
  const target2 = join(dir, 'bad.db');
  writeSampleRecording(target2);
  const before = (await cli('export', '--db', target2)).stdout;
  const r = await cli('import', '--db', target2, '--in', bad);
  assert.equal(r.code, 2);
  assert.equal(
    r.stderr,
    `functape: ${bad}: line 5: "direction" must be toHost or toWorker (nothing imported)\n`,
  );
  assert.equal((await cli('export', '--db', target2)).stdout, before, 'nothing imported');

  // into a new file: a failed import leaves no file behind (an existing one is kept, above)
  const fresh = join(dir, 'fresh.db');
  const r2 = await cli('import', '--db', fresh, '--in', bad);
  assert.equal(r2.code, 2);
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.startsWith('fresh.db')),
    [],
  );

  const missing = await cli('import', '--db', target2, '--in', join(dir, 'nope.ndjson'));
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^functape: cannot read .*nope\.ndjson/);
});

test('verify: exit 0 when clean, 1 with problems listed', async (t) => {
  const { db } = setup(t);
  const r = await cli('verify', '--db', db);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /problem: session 2 never ended/);
  const d = new Database(db);
  d.prepare(`UPDATE sessions SET end_reason = 'completed' WHERE id = 2`).run();
  d.close();
  const clean = await cli('verify', '--db', db);
  assert.equal(clean.code, 0, clean.stdout);
  assert.match(clean.stdout, /2 session\(s\), 15 messages\nok:/);
  const j = await cli('verify', '--db', db, '--json');
  assert.deepEqual(JSON.parse(j.stdout).problems, []);
});

test("errors are one line and exit 2: unknown session, bad or empty kind, an invocation that matches nothing, missing file, another program's database, empty --invocation, unwritable --out", async (t) => {
  const { dir, db } = setup(t);
  const other = join(dir, 'other.db');
  const d = new Database(other);
  d.exec('CREATE TABLE t (x)');
  d.close();
  const cases: [string[], RegExp][] = [
    [['show', '--db', db, '--session', '7'], /^functape: no session 7 in .*rec\.db \(sessions: 1, 2\)\n$/],
    [['export', '--db', db, '--session', '7'], /^functape: no session 7 /],
    [
      ['show', '--db', db, '--session', 'abc'],
      /^functape: --session takes a session id \(see functape sessions\), a whole number ≥ 1 \(got "abc"\)\n$/,
    ],
    // a filter that can match nothing is a mistake, as an unknown session is
    [['show', '--db', db, '--kind', ''], /^functape: --kind needs a message kind; kinds: startStream, /],
    [['show', '--db', db, '--kind', ' , '], /^functape: --kind needs a message kind/],
    [
      ['show', '--db', db, '--invocation', 'zzz'],
      /^functape: no message in .*rec\.db carries an invocation id starting with "zzz"\n$/,
    ],
    [
      ['show', '--db', db, '--session', '2', '--invocation', 'inv-1'],
      /^functape: no message in session 2 of .*rec\.db carries an invocation id starting with "inv-1"\n$/,
    ],
    [
      ['show', '--db', db, '--kind', 'invocation'],
      /^functape: unknown message kind "invocation" \(did you mean /,
    ],
    [['sessions', '--db', join(dir, 'missing.db')], /^functape: .*missing\.db: no such recording\n$/],
    [['show', '--db', other], /^functape: .*another program/],
    [['export', '--db', other], /^functape: .*another program/],
    [['verify', '--db', other], /^functape: .*another program/],
    [['sessions'], /^functape: Missing required argument: db\n$/],
    [['show', '--db', db, '--invocation', ''], /^functape: --invocation needs an invocation id/],
    [
      ['export', '--db', db, '--out', join(dir, 'no-such-dir', 'x.ndjson')],
      /^functape: --out .*x\.ndjson: no such directory /,
    ],
    [['export', '--db', db, '--out', dir], /^functape: --out .* is a directory\n$/],
  ];
  // a directory that exists but refuses the file (checked only when opening it)
  if (existsSync('/proc/self'))
    cases.push([
      ['export', '--db', db, '--out', '/proc/functape-x.ndjson'],
      /^functape: cannot write \/proc\/functape-x\.ndjson: ENOENT/,
    ]);
  for (const [argv, pattern] of cases) {
    const r = await cli(...argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.match(r.stderr, pattern, argv.join(' '));
    assert.equal(r.stderr.split('\n').length, 2, `one line: ${r.stderr}`);
  }
});

test('show --follow is tail -F: waits for the file, prints messages as they are committed, then each new session, until interrupted', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'functape-follow-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const db = join(dir, 'live.db');
  const { openCaptureStore } = await import('../src/recording/capture-store.js');
  const { sampleFrames } = await import('./recording-sample.js');
  const stdout = sink();
  const stderr = sink();
  const stop = new AbortController();
  let settled = false;
  const following = main(['show', '--db', db, '--follow', '--kind', 'rpcLog,invocationResponse'], {
    stdout,
    stderr,
    signal: stop.signal,
  }).finally(() => (settled = true));
  await new Promise((r) => setTimeout(r, 300)); // the file does not exist yet: show waits for it
  assert.equal(settled, false, `show waits for the file instead of exiting: ${stderr.text()}`);
  const store = await openCaptureStore(db, { tuning: { batchMs: 5 } });
  const frames = sampleFrames();
  const session = async (pauseAt: number) => {
    const id = store.allocateSessionId();
    store.write({
      type: 'session-start',
      session: {
        id,
        startWallMs: 1,
        upstream: 'u',
        path: '/p',
        metadata: {},
        functapeVersion: '',
        schemaVersion: '',
      },
    });
    for (const [seq, f] of frames.entries()) {
      store.write({
        type: 'frame',
        frame: {
          sessionId: id,
          seq,
          dirSeq: 0,
          direction: f.direction,
          tNs: BigInt(seq),
          wallMs: 1,
          compressed: false,
          bytes: f.bytes,
        },
      });
      if (seq === pauseAt) {
        await store.flush();
        await new Promise((r) => setTimeout(r, 450)); // a poll or two with nothing new
      }
    }
    store.write({
      type: 'session-end',
      end: { id, endNs: 99n, endWallMs: 2, status: { code: 0, details: '' }, reason: 'completed' },
    });
    await store.flush();
  };
  await session(6);
  await new Promise((r) => setTimeout(r, 450)); // the first session ended: show waits for the next
  assert.equal(settled, false, 'show keeps following after a session ends');
  await session(-1);
  await store.close();
  await new Promise((r) => setTimeout(r, 450));
  stop.abort();
  assert.equal(await following, 0);
  const lines = stdout.text().trimEnd().split('\n');
  const rows = (from: number) => lines.slice(from + 1, from + 4).map((l) => l.split(/\s+/)[3]);
  assert.match(lines[0]!, /^session 1 /);
  assert.deepEqual(rows(0), ['rpcLog', 'invocationResponse', 'invocationResponse']);
  assert.match(lines[4]!, /^end: OK \(completed\)/);
  assert.match(lines[5]!, /^session 2 /);
  assert.deepEqual(rows(5), ['rpcLog', 'invocationResponse', 'invocationResponse']);
  assert.match(lines[9]!, /^end: OK \(completed\)/);
  assert.equal(lines.length, 10);
});

test('pipes between real processes: export | import via stdin; show | head stops early and cleanly', async (t) => {
  const { dir, db } = setup(t);
  const { spawn } = await import('node:child_process');
  const bin = join(process.cwd(), 'bin', 'functape');
  const copy = join(dir, 'piped.db');
  const run = (cmd: string) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const p = spawn('bash', ['-o', 'pipefail', '-c', cmd], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      p.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  const piped = await run(`"${bin}" export --db "${db}" | "${bin}" import --db "${copy}"`);
  assert.equal(piped.code, 0, piped.stderr);
  assert.match(piped.stdout, /imported 2 session\(s\)/);
  assert.equal((await cli('export', '--db', copy)).stdout, (await cli('export', '--db', db)).stdout);
  // `--in -` as the README writes it: `-` is the flag's value, not a word of its own
  const dashed = await run(
    `"${bin}" export --db "${db}" | "${bin}" import --db "${join(dir, 'dashed.db')}" --in -`,
  );
  assert.equal(dashed.code, 0, dashed.stderr);
  assert.match(dashed.stdout, /imported 2 session\(s\)/);
  // a session far bigger than a pipe buffer, so `head` closes the pipe while show writes
  const { createRecordingWriter } = await import('../src/recording/recording-writer.js');
  const { sampleFrames } = await import('./recording-sample.js');
  const big = join(dir, 'big.db');
  const w = createRecordingWriter(big, { redact: false });
  w.addSession({
    id: 1,
    startWallMs: 0,
    upstream: '',
    path: '',
    metadata: {},
    functapeVersion: '',
    schemaVersion: '',
  });
  const frames = sampleFrames();
  for (let seq = 0; seq < 20_000; seq++) {
    const f = frames[seq % frames.length]!;
    w.addFrame({
      sessionId: 1,
      seq,
      dirSeq: 0,
      direction: f.direction,
      tNs: BigInt(seq),
      wallMs: 0,
      compressed: false,
      bytes: f.bytes,
    });
  }
  w.close();
  for (const command of ['show', 'export', 'show --json']) {
    const head = await run(`"${bin}" ${command} --db "${big}" | head -2`);
    assert.equal(head.code, 0, `${command}: ${head.stderr}`);
    assert.equal(head.stdout.trimEnd().split('\n').length, 2);
    assert.equal(head.stderr, '');
  }
});
