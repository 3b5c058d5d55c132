// `functape --help` (and every command's flag parsing) loads only what the command list
// imports statically: command.ts's rule is that heavy modules are imported inside `run`.
// This walks the static imports of src/cli/commands.ts (esbuild's metafile over the compiled
// tree) and names the chain to any module that would make every start slower.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const REPO = resolve(fileURLToPath(new URL('../../', import.meta.url)));

/** Modules that cost tens of ms to load (the generated schema, native addons, transports). */
const HEAVY = /(^|\/)gen\/|@bufbuild\/|better-sqlite3|@grpc\/|^pg($|-)|hdr-histogram|^node:http2$|uplot/;

test('the command list loads no generated schema, database, transport or histogram module before a command runs', async () => {
  const { metafile } = await build({
    absWorkingDir: REPO,
    entryPoints: ['dist/src/cli/commands.js'],
    bundle: true,
    platform: 'node',
    format: 'esm',
    write: false,
    metafile: true,
    packages: 'external',
    outdir: 'unused',
    logLevel: 'silent',
  });
  const start = 'dist/src/cli/commands.js';
  const from = new Map<string, string | undefined>([[start, undefined]]);
  const queue = [start];
  const found: string[] = [];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const i of metafile.inputs[file]?.imports ?? []) {
      if (i.kind !== 'import-statement' || from.has(i.path)) continue;
      from.set(i.path, file);
      if (!HEAVY.test(i.path)) queue.push(i.path);
      else {
        const chain = [i.path];
        for (let f: string | undefined = file; f !== undefined; f = from.get(f)) chain.unshift(f);
        found.push(chain.join(' -> '));
      }
    }
  }
  assert.ok(from.size > 20, `walked the command modules (${from.size})`);
  assert.deepEqual(found, []);
});
