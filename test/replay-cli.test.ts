// `functape replay` end to end: real processes (reference worker, replay worker) over
// loopback gRPC, recordings made by `host → wrap → worker` or imported from the golden
// NDJSON fixtures in fixtures/sessions/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { main } from '../src/cli/main.js';
import { openRecording } from '../src/recording/open-recording.js';

const BIN = resolve(process.cwd(), 'bin/functape');
const FUNCTAPE = `"${process.execPath}" "${BIN}"`;
const FIXTURES = resolve(process.cwd(), 'fixtures/sessions');

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (add: (s: string) => void) =>
    new Writable({
      write(chunk, _enc, cb) {
        add(String(chunk));
        cb();
      },
    });
  const code = await main(argv, {
    stdout: sink((s) => (stdout += s)),
    stderr: sink((s) => (stderr += s)),
    signal: new AbortController().signal,
  });
  return { code, stdout, stderr };
}

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'functape-replay-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function importFixture(dir: string, name: string): Promise<string> {
  const db = join(dir, `${name}.db`);
  const r = await run(['import', '--db', db, '--in', join(FIXTURES, `${name}.ndjson`)]);
  assert.equal(r.code, 0, r.stderr);
  return db;
}

test('record (host → wrap → reference worker), then replay host against the same worker: exit 0, zero diffs, JSON and JUnit written', async (t) => {
  const dir = tempDir(t);
  const db = join(dir, 'rec.db');
  const rec = await run([
    'host',
    '--worker',
    `${FUNCTAPE} wrap --db "${db}" --quiet -- ${FUNCTAPE} worker`,
    '-n',
    '16',
    '-c',
    '4',
    '--cancel-every',
    '3',
    '-f',
    'hello,sleep,log,echo,fail',
    '--app-dir',
    dir,
  ]);
  assert.equal(rec.code, 0, rec.stdout + rec.stderr);
  const json = join(dir, 'report.json');
  const xml = join(dir, 'report.xml');
  const out = join(dir, 'replayed.db');
  const r = await run([
    'replay',
    'host',
    '--db',
    db,
    '--worker',
    `${FUNCTAPE} worker`,
    '--pace',
    'fast',
    '--report',
    json,
    '--junit',
    xml,
    '--record',
    out,
    '--app-dir',
    dir,
  ]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^\d+ answers matched, 0 differed, 0 missing/m);
  const report = JSON.parse(readFileSync(json, 'utf8'));
  assert.equal(report.exitCode, 0);
  assert.deepEqual(
    { differed: report.counts.differed, missing: report.counts.missing, extra: report.counts.extra },
    { differed: 0, missing: 0, extra: 0 },
  );
  assert.equal(report.outcomes.filter((o: { kind: string }) => o.kind === 'invocationResponse').length, 16);
  const junit = readFileSync(xml, 'utf8');
  assert.equal((junit.match(/<testcase /g) ?? []).length, report.outcomes.length);
  assert.doesNotMatch(junit, /<failure/);
  const sessions = await run(['sessions', '--db', out]);
  assert.equal(sessions.code, 0, sessions.stderr);
  assert.match(sessions.stdout, /replay host of/, 'the replayed session was recorded');
  const replayed = openRecording(out);
  const original = openRecording(db);
  try {
    const [s] = replayed.sessions();
    const [o] = original.sessions();
    assert.equal(s!.counts.toWorker, report.sent, 'every message sent is in the --record file');
    assert.deepEqual(
      s!.counts,
      o!.counts,
      'the replayed session has as many messages each way as the recorded one',
    );
  } finally {
    replayed.close();
    original.close();
  }
});

test('golden fixture replayed against a worker that changed one output field: exit 1 and the diff names the field', async (t) => {
  const dir = tempDir(t);
  const db = await importFixture(dir, 'reference-mixed');
  const xml = join(dir, 'report.xml');
  const r = await run([
    'replay',
    'host',
    '--db',
    db,
    '--worker',
    `${FUNCTAPE} worker --greeting Hi`,
    '--pace',
    '10x',
    '--junit',
    xml,
    '--app-dir',
    dir,
  ]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /✗ differs invocationResponse 'hello'/);
  assert.match(
    r.stdout,
    /invocationResponse\.returnValue\.http\.body\.string\n\s+- "Hello, \w+!"\n\s+\+ "Hi, \w+!"/,
  );
  assert.match(r.stdout, /answers matched, [1-9]\d* differed, 0 missing/);
  assert.match(
    readFileSync(xml, 'utf8'),
    /<failure type="differed" message="1 field\(s\) differ: invocationResponse.returnValue.http.body.string">/,
  );
});

test('replay host driving replay worker from the same recording: both exit 0 (round trip)', async (t) => {
  const dir = tempDir(t);
  const db = await importFixture(dir, 'reference-mixed');
  const workerReport = join(dir, 'worker.json');
  const r = await run([
    'replay',
    'host',
    '--db',
    db,
    '--worker',
    `${FUNCTAPE} replay worker --db "${db}" --pace recorded --report "${workerReport}"`,
    '--pace',
    'recorded',
  ]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const w = JSON.parse(readFileSync(workerReport, 'utf8'));
  assert.equal(
    w.exitCode,
    0,
    JSON.stringify(w.outcomes.filter((o: { status: string }) => o.status !== 'matched')),
  );
  assert.equal(w.played, 'worker');
  assert.equal(w.notReceived, 0);
});

test('bad input is one clear line and exit 2; a worker that cannot start is exit 3', async (t) => {
  const dir = tempDir(t);
  const good = await importFixture(dir, 'reference-mixed');
  const noHost = await importFixture(dir, 'no-host-messages');
  const foreign = join(dir, 'foreign.db');
  const fdb = new Database(foreign);
  fdb.exec(
    'CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL); INSERT INTO invoices VALUES (1, 9.5);',
  );
  fdb.close();
  const emptyNdjson = join(dir, 'empty.ndjson');
  writeFileSync(emptyNdjson, '');
  const empty = join(dir, 'empty.db');
  assert.equal((await run(['import', '--db', empty, '--in', emptyNdjson])).code, 0);
  const worker = ['--worker', `${FUNCTAPE} worker`];
  const table: Array<[string, string[], RegExp]> = [
    ['unknown session', ['--db', good, '--session', '42', ...worker], /has no session 42 \(sessions: 1\)/],
    ['a database from another program', ['--db', foreign, ...worker], /foreign\.db/],
    ['an empty recording', ['--db', empty, ...worker], /empty recording/],
    ['a recording with no host messages', ['--db', noHost, ...worker], /no host→worker messages/],
    ['a missing file', ['--db', join(dir, 'nope.db'), ...worker], /nope\.db/],
    ['a bad pace', ['--db', good, '--pace', 'slow', ...worker], /invalid pace "slow"/],
    ['neither --worker nor --listen', ['--db', good], /exactly one of --worker/],
    ['a bad --answer-timeout', ['--db', good, '--answer-timeout', 'soon', ...worker], /--answer-timeout/],
    // checked before the worker is spawned (was exit 3, "spawn ... ENOENT")
    [
      'a missing --app-dir',
      ['--db', good, '--app-dir', join(dir, 'no-such-app'), ...worker],
      /^functape: --app-dir .*no-such-app is not a directory\n$/,
    ],
    // output paths are checked before the worker starts, not after the replay
    [
      'a --report in a missing directory',
      ['--db', good, '--report', join(dir, 'nope', 'r.json'), ...worker],
      /--report .*r\.json: no such directory/,
    ],
    [
      'an --ignore that leaves nothing to compare',
      ['--db', good, '--ignore', '**', ...worker],
      /--ignore "\*\*" would ignore every message whole/,
    ],
    ['a --junit that is a directory', ['--db', good, '--junit', dir, ...worker], /--junit .* is a directory/],
  ];
  for (const [what, argv, message] of table) {
    const r = await run(['replay', 'host', ...argv]);
    assert.equal(r.code, 2, `${what}: ${r.stderr}`);
    assert.match(r.stderr, message, what);
    assert.equal(r.stderr.trim().split('\n').length, 1, `${what}: one line`);
    assert.equal(r.stdout, '', `${what}: nothing ran`);
  }
  const bad = await run([
    'replay',
    'worker',
    '--db',
    noHost,
    '--functions-uri',
    'http://127.0.0.1:1/',
    '--functions-worker-id',
    'w',
    '--functions-request-id',
    'r',
  ]);
  assert.equal(bad.code, 2, 'replay worker checks its input the same way');
  const gone = await run([
    'replay',
    'host',
    '--db',
    good,
    '--worker',
    `"${process.execPath}" -e "process.exit(7)" --`,
  ]);
  assert.equal(gone.code, 3, gone.stderr);
  assert.match(gone.stderr, /exited before connecting \(code 7\)/);
});

test("a recorded crash replays as a broken stream: exit 3, with the worker's last words", async (t) => {
  const dir = tempDir(t);
  const db = join(dir, 'crash.db');
  const rec = await run([
    'host',
    '--worker',
    `${FUNCTAPE} wrap --db "${db}" --quiet -- ${FUNCTAPE} worker`,
    '-n',
    '4',
    '-c',
    '1',
    '-f',
    'hello,crash',
    '--app-dir',
    dir,
  ]);
  assert.equal(rec.code, 3, 'the scripted host saw the worker crash while recording');
  const r = await run([
    'replay',
    'host',
    '--db',
    db,
    '--worker',
    `${FUNCTAPE} worker`,
    '--pace',
    'fast',
    '--answer-timeout',
    '5s',
    '--app-dir',
    dir,
  ]);
  assert.equal(r.code, 3, r.stdout + r.stderr);
  assert.match(r.stdout, /stream broken: the worker ended the stream early/);
  assert.match(r.stderr, /crashed the worker/);
});

/**
 * `replay host --listen 127.0.0.1:0 ARGS` in process: its exit code, the host arguments it
 * prints for a worker started by hand, and what it wrote so far.
 */
function replayListening(
  db: string,
  extra: string[],
  signal = new AbortController().signal,
): { code: Promise<number>; hostArgs: Promise<string[]>; out: { stdout: string; stderr: string } } {
  const out = { stdout: '', stderr: '' };
  let announced!: (args: string[]) => void;
  const hostArgs = new Promise<string[]>((r) => (announced = r));
  const code = main(['replay', 'host', '--db', db, '--listen', '127.0.0.1:0', ...extra], {
    stdout: new Writable({
      write(c, _e, cb) {
        out.stdout += String(c);
        cb();
      },
    }),
    stderr: new Writable({
      write(c, _e, cb) {
        out.stderr += String(c);
        const m = /start the worker with these host arguments:\n\s+(.+)\n/.exec(out.stderr);
        if (m) announced(m[1]!.split(' '));
        cb();
      },
    }),
    signal,
  });
  return { code, hostArgs, out };
}

/** Dials the host at `hostArgs` as a worker whose StartStream says `workerId`; resolves when refused. */
async function strayWorker(hostArgs: string[], workerId: string): Promise<number> {
  const { dialAsWorker } = await import('../src/wire/grpc-peer.js');
  const { encodeMessage, makeMessage } = await import('../src/codec/streaming-message.js');
  const uri = hostArgs[hostArgs.indexOf('--functions-uri') + 1]!;
  const stray = dialAsWorker({ address: uri.replace(/^http:\/\/|\/$/g, '') });
  stray.send(
    encodeMessage(makeMessage({ requestId: 'r', content: { case: 'startStream', value: { workerId } } })),
  );
  return (await stray.done).status.code;
}

test('--listen prints the host arguments; a stray stream with another worker id is refused, the right worker is replayed', async (t) => {
  const dir = tempDir(t);
  const db = await importFixture(dir, 'reference-mixed');
  const { spawn } = await import('node:child_process');
  const { code, hostArgs, out } = replayListening(db, ['--pace', 'fast']);
  const args = await hostArgs;
  assert.notEqual(await strayWorker(args, 'someone-else'), 0, 'the stray stream was refused');
  const worker = spawn(process.execPath, [BIN, 'worker', ...args], { stdio: 'ignore' });
  t.after(() => worker.kill());
  assert.equal(await code, 0, out.stdout + out.stderr);
  assert.match(out.stderr, /ignoring a stream: it began with startStream worker_id=someone-else/);
  assert.match(out.stdout, /answers matched, 0 differed, 0 missing/);
});

test('replay host without its worker: exit 3 after --start-timeout (naming the last stream refused), 130 when interrupted, 2 for an empty --worker', async (t) => {
  const dir = tempDir(t);
  const db = await importFixture(dir, 'reference-mixed');
  const late = replayListening(db, ['--start-timeout', '2s']);
  const args = await late.hostArgs;
  assert.notEqual(await strayWorker(args, 'someone-else'), 0, 'the stray stream was refused');
  assert.equal(await late.code, 3, late.out.stderr);
  const workerId = args[args.indexOf('--functions-worker-id') + 1];
  assert.match(
    late.out.stderr,
    new RegExp(
      `\nfunctape replay: no worker connected within 2000 ms \\(it began with startStream worker_id=someone-else, not StartStream worker_id=${workerId}\\)\n$`,
    ),
  );
  const stop = new AbortController();
  const interrupted = replayListening(db, [], stop.signal);
  await interrupted.hostArgs;
  stop.abort();
  assert.equal(await interrupted.code, 130, interrupted.out.stderr);
  assert.match(interrupted.out.stderr, /\nfunctape replay: interrupted before a worker connected\n$/);
  const empty = await run(['replay', 'host', '--db', db, '--worker', ' ']);
  assert.equal(empty.code, 2, empty.stderr);
  assert.equal(empty.stderr, 'functape: --worker is empty\n');
});

test("replay host --listen on a taken port: only functape's own line, exit 2", async (t) => {
  const dir = tempDir(t);
  const good = await importFixture(dir, 'reference-mixed');
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
  t.after(() => taken.close());
  const port = (taken.address() as AddressInfo).port;
  const r = await new Promise<{ code: number | null; stderr: string }>((done) => {
    execFile(
      process.execPath,
      [resolve('bin/functape'), 'replay', 'host', '--db', good, '--listen', `127.0.0.1:${port}`],
      { timeout: 60_000 },
      (err, _out, stderr) =>
        done({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stderr }),
    );
  });
  assert.equal(r.code, 2, r.stderr);
  assert.match(
    r.stderr,
    new RegExp(`^functape: cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE[^\n]*\n$`),
  );
});
