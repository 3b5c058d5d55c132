import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDirectory } from './make-directory.js';

function scratch(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'functape-mkdir-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('makeDirectory creates every missing level, and accepts one that exists', (t) => {
  const root = scratch(t);
  const deep = join(root, 'a', 'b', 'c');
  makeDirectory(deep);
  assert.ok(statSync(deep).isDirectory());
  makeDirectory(deep);
  makeDirectory(root);
});

test('makeDirectory throws (does not spin) where a parent cannot hold children', {
  skip: existsSync('/proc/self') ? false : 'no procfs',
}, () => {
  assert.throws(() => makeDirectory('/proc/functape-no-such/dir'), { code: 'ENOENT' });
  assert.throws(() => makeDirectory('/proc/functape-no-such'), { code: 'ENOENT' });
});

test('makeDirectory throws through a dangling symlink and below a file', (t) => {
  const root = scratch(t);
  symlinkSync(join(root, 'gone'), join(root, 'dangling'));
  assert.throws(() => makeDirectory(join(root, 'dangling', 'x')), { code: 'ENOENT' });
  writeFileSync(join(root, 'file'), '');
  assert.throws(() => makeDirectory(join(root, 'file', 'x')), { code: 'ENOTDIR' });
  assert.throws(() => makeDirectory(join(root, 'file')), { code: 'ENOTDIR' });
});
