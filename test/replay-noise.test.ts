// `replay host --learn-noise`: a worker whose answers carry a fresh GUID and the time
// (`functape worker --bug noise`): the fields are learned, the replay exits 0; a real change
// in the same run still exits 1; --save-noise writes what --ignore-file reads back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runMain } from './helpers/run-main.js';

const BIN = resolve(process.cwd(), 'bin/functape');
const FUNCTAPE = `"${process.execPath}" "${BIN}"`;
const NOISY = `${FUNCTAPE} worker --bug noise`;
const dir = mkdtempSync(join(tmpdir(), 'functape-noise-'));
const db = join(dir, 'rec.db');
test.after(() => rmSync(dir, { recursive: true, force: true }));

test.before(async () => {
  const rec = await runMain([
    'host',
    '--worker',
    `${FUNCTAPE} wrap --db "${db}" --quiet -- ${NOISY}`,
    '-n',
    '6',
    '-c',
    '2',
    '-f',
    'hello,echo',
    '--app-dir',
    dir,
  ]);
  assert.equal(rec.code, 0, rec.stdout + rec.stderr);
});

const replay = (worker: string, extra: string[]) =>
  runMain(['replay', 'host', '--db', db, '--worker', worker, '--pace', 'fast', ...extra]);
const HEADERS = 'invocationResponse.returnValue.http.headers';

test('without learning, the GUID and the time differ: exit 1', async () => {
  const r = await replay(NOISY, []);
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stdout, /headers\.x-request-id/);
});

test('--learn-noise: the GUID and date headers are learned and listed, the replay exits 0, --save-noise writes them', async () => {
  const report = join(dir, 'report.json');
  const saved = join(dir, 'noise.txt');
  const r = await replay(NOISY, [
    '--learn-noise',
    '--save-noise',
    saved,
    '--report',
    report,
    '--ignore',
    'rpcLog.category',
  ]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /noise learned from 2 live runs: 2 field\(s\) ignored/);
  assert.match(
    r.stdout,
    new RegExp(`ignored \\(learned\\) ${HEADERS}\\.x-request-id — varied in 6 answer\\(s\\)`),
  );
  assert.match(r.stdout, /ignored \(given\) +rpcLog\.category/);
  const noise = JSON.parse(readFileSync(report, 'utf8')).noise;
  assert.deepEqual(
    noise.learned.map((n: { path: string }) => n.path),
    [`${HEADERS}.date`, `${HEADERS}.x-request-id`],
  );
  assert.equal(noise.runs, 2);
  const file = readFileSync(saved, 'utf8');
  assert.ok(file.includes(`${HEADERS}.date`) && file.includes(`${HEADERS}.x-request-id`), file);

  const again = await replay(NOISY, ['--ignore-file', saved]);
  assert.equal(again.code, 0, again.stdout);
  assert.match(again.stdout, /ignored \(given\) +invocationResponse\.returnValue\.http\.headers\.date/);
});

test('--learn-noise 3 with a real change (greeting Hi): the noise is learned, the change still exits 1', async () => {
  const r = await replay(`${NOISY} --greeting Hi`, ['--learn-noise', '3']);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /noise learned from 3 live runs: 2 field\(s\)/);
  assert.match(r.stdout, /http\.body\.string\n\s+- "Hello, [^"]*!"\n\s+\+ "Hi, [^"]*!"/);
  assert.doesNotMatch(r.stdout, /headers\.x-request-id\n/, 'the noise is not in the diff');
});

test('bad noise flags: one line, exit 2', async () => {
  for (const [args, re] of [
    [['--save-noise', join(dir, 'n.txt')], /--save-noise needs --learn-noise/],
    [['--learn-noise', '1'], /--learn-noise/],
    [['--ignore-file', join(dir, 'missing.txt')], /--ignore-file .*ENOENT/],
  ] as const) {
    const r = await replay(NOISY, [...args]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, re);
  }
  const listen = await runMain(['replay', 'host', '--db', db, '--listen', '127.0.0.1:0', '--learn-noise']);
  assert.equal(listen.code, 2);
  assert.match(listen.stderr, /--learn-noise needs --worker/);
});
