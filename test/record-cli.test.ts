// `functape record` / `functape wrap` as a user types them: usage mistakes and unusable
// files are one line on stderr and exit 2; the listening line is what scripts wait for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { FUNCTAPE, startRecordProcess, startTestHost, tempDir, withTimeout } from './helpers/raw-peers.js';
import { writeSampleRecording } from './recording-sample.js';

function functape(args: string[]) {
  const r = spawnSync(FUNCTAPE[0]!, [FUNCTAPE[1]!, ...args], { encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('usage mistakes and unusable files: one line on stderr, exit 2, nothing on stdout', (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const db = join(tmp.dir, 'x.db');
  const dir = join(tmp.dir, 'a-directory');
  mkdirSync(dir);
  const foreign = join(tmp.dir, 'notes.txt');
  writeFileSync(foreign, 'this is not a recording\n'.repeat(100));
  const cases: [string, string[], RegExp][] = [
    ['no --upstream', ['record', '--db', db], /upstream/],
    ['no --db', ['record', '--upstream', '127.0.0.1:7071'], /db/],
    [
      'bad --upstream',
      ['record', '--upstream', 'nohostport', '--db', db],
      /--upstream "nohostport" is not HOST:PORT/,
    ],
    ['port out of range', ['record', '--upstream', '127.0.0.1:70000', '--db', db], /port must be/],
    [
      'bad --listen',
      ['record', '--listen', '127.0.0.1', '--upstream', '127.0.0.1:7071', '--db', db],
      /--listen/,
    ],
    [
      'non-loopback --listen',
      ['record', '--listen', '0.0.0.0:0', '--upstream', '127.0.0.1:7071', '--db', db],
      /not a loopback address; add --allow-remote/,
    ],
    ['unknown flag', ['record', '--upstream', '127.0.0.1:7071', '--db', db, '--bogus'], /bogus/i],
    [
      'bad --on-store-error',
      ['record', '--upstream', '127.0.0.1:7071', '--db', db, '--on-store-error', 'maybe'],
      /on-store-error/,
    ],
    [
      'bad --redact',
      ['record', '--upstream', '127.0.0.1:7071', '--db', db, '--redact', 'sometimes'],
      /redact/,
    ],
    [
      'missing rules file',
      ['record', '--upstream', '127.0.0.1:7071', '--db', db, '--redact-rules', join(tmp.dir, 'nope.json')],
      /nope\.json/,
    ],
    [
      'bad --max-db-bytes',
      ['record', '--upstream', '127.0.0.1:7071', '--db', db, '--max-db-bytes', 'lots'],
      /--max-db-bytes/,
    ],
    [
      '--max-db-bytes 4K, below the empty schema',
      ['record', '--upstream', '127.0.0.1:7071', '--db', db, '--max-db-bytes', '4K'],
      /--max-db-bytes 4K is too small to hold a recording \(at least 64K\)/,
    ],
    [
      '--max-db-bytes 16K',
      ['record', '--upstream', '127.0.0.1:7071', '--db', db, '--max-db-bytes', '16K'],
      /too small/,
    ],
    [
      'wrap --max-db-bytes 8K',
      [
        'wrap',
        '--db',
        db,
        '--max-db-bytes',
        '8K',
        '--',
        'node',
        '--functions-uri',
        'http://127.0.0.1:7071/',
        '--functions-worker-id',
        'w',
        '--functions-request-id',
        'r',
      ],
      /too small/,
    ],
    ['db is a directory', ['record', '--upstream', '127.0.0.1:7071', '--db', dir], /a-directory/],
    [
      'db in a missing directory',
      ['record', '--upstream', '127.0.0.1:7071', '--db', join(tmp.dir, 'no', 'such', 'x.db')],
      /x\.db/,
    ],
    [
      "db is another program's file",
      ['record', '--upstream', '127.0.0.1:7071', '--db', foreign],
      /notes\.txt/,
    ],
    ['wrap without a worker command', ['wrap', '--db', db], /worker command after --/],
    ['wrap without host args', ['wrap', '--db', db, '--', 'node', 'worker.js'], /no host arguments/],
    [
      'wrap with a bad --functions-uri',
      [
        'wrap',
        '--db',
        db,
        '--',
        'node',
        '--functions-uri',
        'nonsense',
        '--functions-worker-id',
        'w',
        '--functions-request-id',
        'r',
      ],
      /functions-uri/,
    ],
  ];
  for (const [name, args, message] of cases) {
    const r = functape(args);
    assert.equal(r.code, 2, `${name}: exit code (stderr: ${r.stderr})`);
    assert.equal(r.stdout, '', `${name}: nothing on stdout`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `${name}: one line: ${r.stderr}`);
    assert.match(lines[0]!, /^functape: /, name);
    assert.match(lines[0]!, message, name);
  }
  assert.equal(
    statSync(foreign).size,
    'this is not a recording\n'.length * 100,
    'a foreign file is left untouched',
  );
  assert.equal(existsSync(db), false, 'no database is created on a usage error');
});

test('a --listen port already in use: one line, exit 2; a new database is not left behind, an existing one is kept', async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.after(() => taken.close());
  const port = (taken.address() as AddressInfo).port;
  const fresh = join(tmp.dir, 'fresh.db');
  const r = functape([
    'record',
    '--listen',
    `127.0.0.1:${port}`,
    '--upstream',
    '127.0.0.1:7071',
    '--db',
    fresh,
  ]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^functape: cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE\n$/);
  assert.equal(r.stdout, '');
  assert.deepEqual(
    readdirSync(tmp.dir).filter((f) => f.startsWith('fresh.db')),
    [],
  );
  const kept = join(tmp.dir, 'kept.db');
  writeSampleRecording(kept);
  const again = functape([
    'record',
    '--listen',
    `127.0.0.1:${port}`,
    '--upstream',
    '127.0.0.1:7071',
    '--db',
    kept,
  ]);
  assert.equal(again.code, 2, again.stderr);
  assert.ok(existsSync(kept), 'an existing recording stays');
  assert.equal(functape(['sessions', '--db', kept, '--json']).code, 0);
  assert.equal(
    JSON.parse(functape(['sessions', '--db', kept, '--json']).stdout).length,
    2,
    'with its sessions',
  );
});

test('an unwritable database path is one line and exit 2', {
  skip: process.getuid?.() === 0 ? 'root can write anywhere' : false,
}, (t) => {
  const tmp = tempDir();
  t.after(() => {
    chmodSync(tmp.dir, 0o700);
    tmp.cleanup();
  });
  chmodSync(tmp.dir, 0o500);
  const r = functape(['record', '--upstream', '127.0.0.1:7071', '--db', join(tmp.dir, 'x.db')]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});

test('record prints exactly one stdout line with the real port, creates the db 0600, and --redact off warns', async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const host = await startTestHost();
  t.after(() => host.close());
  const db = join(tmp.dir, 'r.db');
  const rec = await startRecordProcess([
    '--listen',
    '127.0.0.1:0',
    '--upstream',
    host.address,
    '--db',
    db,
    '--redact',
    'off',
    '--label',
    'cli test',
  ]);
  t.after(() => rec.kill('SIGKILL'));
  assert.match(rec.address, /^127\.0\.0\.1:([1-9]\d*)$/);
  assert.equal(statSync(db).mode & 0o777, 0o600);
  assert.match(rec.stderr.join('\n'), /warning: --redact off/);
  rec.kill('SIGINT');
  assert.deepEqual(await withTimeout(rec.exited, 10_000, 'record exits'), { code: 0, signal: null });
  assert.equal(rec.stdout.filter((l) => l.trim() !== '').length, 1);
});
