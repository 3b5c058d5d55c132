import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { commands } from '../src/cli/commands.js';
import { createRecordingWriter } from '../src/recording/recording-writer.js';
import { sampleFrames } from './recording-sample.js';

/** dist/test/ → the repository root. */
const REPO = resolve(fileURLToPath(new URL('../../', import.meta.url)));
const BUNDLE = join(REPO, 'dist', 'bundle', 'cli', 'main.js');
const COMPILED = join(REPO, 'dist', 'src', 'cli', 'main.js');

/** A launcher file for one CLI entry module (its runCli), as bin/functape runs it. */
function launcher(dir: string, entry: string): string {
  const file = join(dir, `${entry === BUNDLE ? 'bundle' : 'compiled'}.mjs`);
  writeFileSync(file, `import(${JSON.stringify(pathToFileURL(entry).href)}).then((cli) => cli.runCli());\n`);
  return file;
}

/** `functape ARGS` through one launcher, in a child (stdout a pipe, so the same width for both). */
function run(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((done, fail) => {
    execFile(
      process.execPath,
      [file, ...args],
      { cwd: REPO, env: { ...process.env, FUNCTAPE_DEBUG: '', ...env }, timeout: 20_000 },
      (error, out, err) => {
        if (error && typeof error.code !== 'number') fail(error);
        else done({ code: error ? (error.code as number) : 0, out, err });
      },
    );
  });
}

test('the bundle says exactly what the compiled CLI says: help of every command, version, usage errors, another language', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'functape-bundle-'));
  const bundle = launcher(dir, BUNDLE);
  const compiled = launcher(dir, COMPILED);
  const cases: { args: string[]; env?: NodeJS.ProcessEnv }[] = [
    { args: ['--help'] },
    { args: ['--version'] },
    { args: [] },
    { args: ['bogus'] },
    { args: ['record', '--upstream', '127.0.0.1:1', '--bogus'] },
    { args: ['--help'], env: { LC_ALL: 'de_DE.UTF-8' } },
    ...commands.map((c) => ({ args: [String(c.command).split(' ')[0]!, '--help'] })),
  ];
  try {
    // Two at a time: bundle and compiled side by side.
    for (const { args, env } of cases) {
      const [fromBundle, fromCompiled] = await Promise.all([
        run(bundle, args, env),
        run(compiled, args, env),
      ]);
      assert.deepEqual(fromBundle, fromCompiled, `functape ${args.join(' ')}`);
      if (args.length === 1 && args[0] === '--help') {
        // Real help, and the message catalogue was found beside the bundle (not silently English).
        assert.match(fromBundle.out, env ? /^Kommandos:$/m : /functape record +Sit between workers/);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bin/functape: runs the bundle; a newer dist/src (tsc without bundling) wins; a missing bundle is one line, exit 4', () => {
  const root = mkdtempSync(join(tmpdir(), 'functape-bin-'));
  try {
    mkdirSync(join(root, 'bin'));
    copyFileSync(join(REPO, 'bin', 'functape'), join(root, 'bin', 'functape'));
    writeFileSync(join(root, 'package.json'), '{"type":"module"}\n');
    const fake = (dir: string, name: string) => {
      mkdirSync(join(root, dir), { recursive: true });
      writeFileSync(
        join(root, dir, 'main.js'),
        `export function runCli() { process.stdout.write(${JSON.stringify(name)} + ' ' + process.argv.slice(2).join(' ')); }\n`,
      );
    };
    const bin = (args: string[]) =>
      spawnSync(process.execPath, [join(root, 'bin', 'functape'), ...args], {
        encoding: 'utf8',
        timeout: 10_000,
      });

    const missing = bin(['--help']);
    assert.equal(missing.status, 4);
    assert.match(
      missing.stderr,
      /^functape: cannot start: dist\/bundle\/cli\/main\.js is missing; run `npm ci` or `npm run build` first\n$/,
    );

    fake('dist/src/cli', 'compiled');
    fake('dist/bundle/cli', 'bundle');
    const older = new Date(Date.now() - 60_000);
    utimesSync(join(root, 'dist/src/cli/main.js'), older, older);
    const fresh = bin(['record', '--db', 'x.db']);
    assert.deepEqual([fresh.status, fresh.stdout, fresh.stderr], [0, 'bundle record --db x.db', '']);

    utimesSync(
      join(root, 'dist/bundle/cli/main.js'),
      new Date(Date.now() - 120_000),
      new Date(Date.now() - 120_000),
    );
    const stale = bin(['--help']);
    assert.deepEqual([stale.status, stale.stdout], [0, 'compiled --help']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('the bundle finds its worker threads: export of a big session on two threads equals one thread unbundled', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'functape-bundle-export-'));
  try {
    const db = join(dir, 'big.db');
    const w = createRecordingWriter(db, { redact: false });
    w.addSession({
      id: 1,
      startWallMs: 1_700_000_000_000,
      upstream: '',
      path: '',
      metadata: {},
      functapeVersion: '',
      schemaVersion: '',
    });
    const frames = sampleFrames();
    // At least export's PARALLEL_FROM (20,000) messages, so --threads 2 really uses threads.
    for (let seq = 0; seq < 20_500; seq++) {
      const f = frames[seq % frames.length]!;
      w.addFrame({
        sessionId: 1,
        seq,
        dirSeq: 0,
        direction: f.direction,
        tNs: BigInt(seq) * 1000n,
        wallMs: 1_700_000_000_000 + seq,
        compressed: false,
        bytes: f.bytes,
      });
    }
    w.close();
    const [threaded, single] = await Promise.all([
      run(launcher(dir, BUNDLE), [
        'export',
        '--db',
        db,
        '--threads',
        '2',
        '--out',
        join(dir, 'threaded.ndjson'),
      ]),
      run(launcher(dir, COMPILED), [
        'export',
        '--db',
        db,
        '--threads',
        '1',
        '--out',
        join(dir, 'single.ndjson'),
      ]),
    ]);
    assert.equal(threaded.code, 0, threaded.err);
    assert.equal(single.code, 0, single.err);
    const text = readFileSync(join(dir, 'threaded.ndjson'), 'utf8');
    assert.equal(text.split('\n').length, 20_500 + 2, 'the session line, 20,500 messages, the final newline');
    assert.match(text.split('\n')[1]!, /^{/);
    assert.ok(text === readFileSync(join(dir, 'single.ndjson'), 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
