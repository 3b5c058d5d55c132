import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError } from './command.js';
import { checkOutputPath } from './output-path.js';

test('checkOutputPath: a new or existing file in an existing directory, stdout and no flag pass', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'functape-out-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'old.json'), '{}');
  checkOutputPath('--report', join(dir, 'new.json'));
  checkOutputPath('--report', join(dir, 'old.json'));
  checkOutputPath('--json', '-');
  checkOutputPath('--json', undefined);
});

test('checkOutputPath: a missing directory, a directory, an empty name are one-line CliErrors naming the flag', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'functape-out-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'file'), '');
  const fails = (path: string, message: RegExp) =>
    assert.throws(
      () => checkOutputPath('--junit', path),
      (err: unknown) => err instanceof CliError && message.test(err.message) && !err.message.includes('\n'),
    );
  fails(join(dir, 'nope', 'r.xml'), /^--junit .*r\.xml: no such directory .*nope$/);
  fails(join(dir, 'file', 'r.xml'), /no such directory/);
  fails(join(dir, 'sub'), /^--junit .*sub is a directory$/);
  fails('', /^--junit needs a file name$/);
});
