// The package as a user installs it: `npm pack` of the built tree, installed from the
// tarball into an empty project, then `npx functape demo` and an `import ... from
// 'functape'` there. The suite's pretest has just built dist/, so the pack skips the
// rebuild its `prepare` would do (--ignore-scripts), and better-sqlite3's install script
// finds this checkout's addon as a local prebuild (prebuild-install's
// npm_config_<package>_local_prebuilds) instead of compiling SQLite again (~2 min).
// npm installs from its cache where it can (--prefer-offline). Last, a strict TypeScript
// consumer type-checks against the installed declarations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runProcess, type ProcessResult } from './helpers/python-process.js';

/** dist/test/ → the repository root. */
const REPO = resolve(fileURLToPath(new URL('../../', import.meta.url)));
const VERSION = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;

/** The environment without what `npm test` says about this project (its package, its prefix). */
function npmEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_(package_|lifecycle_|command$|config_local_prefix$)/i.test(key)) env[key] = value;
  }
  return { ...env, ...extra };
}

async function run(argv: string[], cwd: string, env = npmEnv()): Promise<ProcessResult> {
  const result = await runProcess(argv, { cwd, env, timeoutMs: 150_000 });
  const said = `${argv.join(' ')} → ${result.code ?? result.signal}\n${result.stdout}\n${result.stderr}`;
  assert.equal(result.code, 0, said);
  return result;
}

/** Packs the repository into dir; returns the tarball's path and the files it holds. */
async function pack(dir: string): Promise<{ tarball: string; files: string[] }> {
  const { stdout } = await run(
    ['npm', 'pack', '--ignore-scripts', '--json', '--pack-destination', dir],
    REPO,
  );
  const [info] = JSON.parse(stdout) as [{ filename: string; files: { path: string }[] }];
  return { tarball: join(dir, info.filename), files: info.files.map((f) => f.path) };
}

/** This checkout's better-sqlite3 addon as the prebuild tarball prebuild-install looks for. */
async function localPrebuild(dir: string): Promise<string> {
  const pkg = join(REPO, 'node_modules', 'better-sqlite3');
  const { version } = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { version: string };
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  mkdirSync(dir);
  await run(['tar', '-czf', join(dir, name), '-C', pkg, 'build/Release/better_sqlite3.node'], REPO);
  return dir;
}

/**
 * Type-checks a consumer of the library in project with this checkout's TypeScript, strict
 * and without skipLibCheck: every type the package's declarations name must install with it.
 */
async function typecheck(project: string): Promise<void> {
  writeFileSync(
    join(project, 'check.ts'),
    [
      "import { openRecording, decodeMessage, type Recording } from 'functape';",
      "const recording: Recording = openRecording('demo/demo.db');",
      'const first = recording.frames(recording.sessions()[0]!.id).next();',
      'const kind: string | undefined = first.done ? undefined : decodeMessage(first.value.bytes).content.case;',
      'console.log(kind);',
    ].join('\n'),
  );
  const tsc = join(REPO, 'node_modules', '.bin', 'tsc');
  await run(
    [
      tsc,
      '--noEmit',
      '--strict',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--target',
      'es2022',
      '--types',
      'node',
      'check.ts',
    ],
    project,
  );
}

test('the packed tarball installs into an empty project: npx functape demo runs, the library imports and type-checks', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'functape-package-'));
  try {
    const { tarball, files } = await pack(dir);
    for (const needed of [
      'bin/functape',
      'dist/bundle/cli/main.js',
      'dist/bundle/cli/writer-thread.js',
      'dist/src/index.js',
      'dist/src/index.d.ts',
      'dist/locales/en.json',
      'README.md',
    ]) {
      assert.ok(files.includes(needed), `the tarball lacks ${needed}`);
    }
    const extra = files.filter((f) => /^(src|test|bench|dist\/test|dist\/bench)\/|\.test\.|\.map$/.test(f));
    assert.deepEqual(extra, [], 'sources, tests and source maps stay out of the package');

    const project = join(dir, 'project');
    mkdirSync(project);
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }),
    );
    const prebuilds = await localPrebuild(join(dir, 'prebuilds'));
    await run(
      ['npm', 'install', '--prefer-offline', '--no-audit', '--no-fund', tarball],
      project,
      npmEnv({ npm_config_better_sqlite3_local_prebuilds: prebuilds }),
    );

    const demo = await run(['npx', '--no', 'functape', 'demo'], project);
    assert.match(demo.stdout, /functape host: OK/);
    assert.ok(existsSync(join(project, 'demo', 'demo.db')), 'the demo left its recording');

    // The library API, from the installed package, reading what the installed CLI recorded.
    const script = [
      "import { openRecording, decodeMessage, FUNCTAPE_VERSION } from 'functape';",
      "const recording = openRecording('demo/demo.db');",
      'const [session] = recording.sessions();',
      'const [first] = recording.frames(session.id);',
      'console.log(JSON.stringify({ version: FUNCTAPE_VERSION, sessions: recording.sessions().length, first: decodeMessage(first.bytes).content.case }));',
      'recording.close();',
    ].join('\n');
    const imported = await run([process.execPath, '--input-type=module', '-e', script], project);
    assert.deepEqual(JSON.parse(imported.stdout), { version: VERSION, sessions: 1, first: 'startStream' });
    await typecheck(project);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
