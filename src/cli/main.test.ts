import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { main } from './main.js';
import { FUNCTAPE_VERSION } from '../version.js';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const code = await main(argv, { stdout, stderr, signal: new AbortController().signal });
  return { code, out, err };
}

test('usage mistakes are one line on stderr and exit 2; the handler never runs', async () => {
  for (const argv of [
    ['bogus'],
    [],
    ['show'],
    ['show', '--db'],
    ['record', '--upstream', '127.0.0.1:1'],
    ['sessions', '--db', 'x.db', '--nope'],
  ]) {
    const r = await run(argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.match(r.err, /^functape: [^\n]+\n$/, `one line for ${argv.join(' ')}: ${JSON.stringify(r.err)}`);
  }
});

test('--version prints the package version', async () => {
  const r = await run(['--version']);
  assert.equal(r.code, 0);
  const pkg = (await import('node:fs')).readFileSync('package.json', 'utf8');
  assert.equal(JSON.parse(pkg).version, FUNCTAPE_VERSION);
});

test('an unusable recording is one line and exit 2 in every command that reads one', async () => {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'functape-main-'));
  const notDb = join(dir, 'notes.db');
  writeFileSync(notDb, 'not a database\n'.repeat(200));
  for (const argv of [
    ['sessions', '--db', notDb],
    ['show', '--db', notDb],
    ['export', '--db', notDb],
    ['verify', '--db', notDb],
    ['redact', '--db', notDb],
    ['replay', 'host', '--db', notDb, '--worker', 'true'],
    ['bench', '--db', notDb, '--worker', 'true'],
  ]) {
    const r = await run(argv);
    assert.equal(r.code, 2, `${argv[0]}: ${r.err}`);
    assert.match(
      r.err,
      /^functape: [^\n]*notes\.db[^\n]*\n$/,
      `${argv[0]} names the file on one line: ${JSON.stringify(r.err)}`,
    );
  }
});
