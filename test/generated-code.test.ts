// The checked-in src/gen/ must be exactly what `npm run generate` produces from proto/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

const ROOT = process.cwd();

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

test('src/gen matches a fresh generation from proto/', () => {
  const out = mkdtempSync(join(tmpdir(), 'functape-gen-'));
  try {
    const template = readFileSync(join(ROOT, 'buf.gen.yaml'), 'utf8').replace(/out: src\/gen/, `out: ${out}`);
    const tpl = join(out, 'buf.gen.yaml');
    writeFileSync(tpl, template);
    const buf = resolve(ROOT, 'node_modules/.bin/buf');
    const PATH = `${resolve(ROOT, 'node_modules/.bin')}:${process.env.PATH ?? ''}`;
    execFileSync(buf, ['generate', '--template', tpl], {
      cwd: ROOT,
      stdio: 'pipe',
      env: { ...process.env, PATH },
    });
    const fresh = files(out)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => relative(out, f))
      .sort();
    const checkedIn = files(join(ROOT, 'src/gen'))
      .map((f) => relative(join(ROOT, 'src/gen'), f))
      .sort();
    assert.deepEqual(checkedIn, fresh, 'same generated files');
    for (const f of fresh) {
      assert.equal(
        readFileSync(join(ROOT, 'src/gen', f), 'utf8'),
        readFileSync(join(out, f), 'utf8'),
        `${f} is up to date (run npm run generate)`,
      );
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
