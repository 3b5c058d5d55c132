// bin/functape's first line: the environment (and Node flags, none today) it starts functape
// with (see the comment in bin/functape), that they reach the process and not its children,
// and that the benchmarks start the CLI the same way (bench/lib/proc.ts launcherCommand).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launcherCommand, profileArgs } from '../bench/lib/proc.js';

/** dist/test/ → the repository root. */
const REPO = resolve(fileURLToPath(new URL('../../', import.meta.url)));
const BIN = join(REPO, 'bin', 'functape');
/** The OS runs the launcher through its first line; `env` must find this Node as `node`. */
const PATH = `${dirname(process.execPath)}:${process.env.PATH ?? ''}`;
const envSplits = spawnSync('/usr/bin/env', ['-S', 'true'], { encoding: 'utf8' }).status === 0;

/** A fake CLI (in place of the bundle) that reports what its process was started with and what a child it starts inherits. */
const REPORTER = `
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
export function runCli() {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.env.MALLOC_MMAP_THRESHOLD_))'], { encoding: 'utf8' });
  const ca = spawnSync('/bin/sh', ['-c', 'echo "\${NODE_EXTRA_CA_CERTS-unset} \${FUNCTAPE_CA-unset}"'], { encoding: 'utf8' });
  process.stdout.write(JSON.stringify({
    caStart: readFileSync('/proc/self/environ', 'utf8').split('\\0').filter((e) => /^(NODE_EXTRA_CA_CERTS|FUNCTAPE_CA)=/.test(e)),
    caOwn: process.env.NODE_EXTRA_CA_CERTS ?? null,
    caChild: ca.stdout.trim(),
    args: process.argv.slice(2),
    execArgv: process.execArgv,
    ownEnv: process.env.MALLOC_MMAP_THRESHOLD_ ?? null,
    startEnv: readFileSync('/proc/self/environ', 'utf8').split('\\0').filter((e) => e.startsWith('MALLOC_MMAP_THRESHOLD_=')),
    childEnv: child.stdout,
  }));
}
`;

function fakeInstall(): string {
  const root = mkdtempSync(join(tmpdir(), 'functape-launcher-'));
  mkdirSync(join(root, 'bin'));
  mkdirSync(join(root, 'dist', 'bundle', 'cli'), { recursive: true });
  copyFileSync(BIN, join(root, 'bin', 'functape'));
  chmodSync(join(root, 'bin', 'functape'), 0o755);
  writeFileSync(join(root, 'package.json'), '{"type":"module"}\n');
  writeFileSync(join(root, 'dist', 'bundle', 'cli', 'main.js'), REPORTER);
  return root;
}

interface Report {
  caStart: string[];
  caOwn: string | null;
  caChild: string;
  args: string[];
  execArgv: string[];
  ownEnv: string | null;
  startEnv: string[];
  childEnv: string;
}

function report(command: string, args: string[], extraCa?: string): Report {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH };
  delete env.MALLOC_MMAP_THRESHOLD_;
  delete env.NODE_EXTRA_CA_CERTS;
  if (extraCa !== undefined) env.NODE_EXTRA_CA_CERTS = extraCa;
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: 30_000, env });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Report;
}

test('launcherCommand reads the environment and Node flags of an `env -S` first line', () => {
  const real = launcherCommand(readFileSync(BIN, 'utf8'), { NODE_EXTRA_CA_CERTS: '/etc/ca.pem' });
  assert.deepEqual(real, {
    env: { MALLOC_MMAP_THRESHOLD_: '1048576', FUNCTAPE_CA: '/etc/ca.pem', NODE_EXTRA_CA_CERTS: '' },
    nodeArgs: [],
  });
  assert.equal(
    launcherCommand(readFileSync(BIN, 'utf8'), {}).env.FUNCTAPE_CA,
    '',
    'an unset name expands to nothing',
  );
  assert.ok(
    readFileSync(BIN, 'utf8').split('\n', 1)[0]!.length <= 127,
    'older kernels read 127 characters of it',
  );
  assert.deepEqual(launcherCommand('#!/usr/bin/env node\nrest'), { env: {}, nodeArgs: [] });
  assert.deepEqual(launcherCommand('#!/usr/bin/env -S A=1 B=x=y /opt/node/bin/node --a --b=2\n'), {
    env: { A: '1', B: 'x=y' },
    nodeArgs: ['--a', '--b=2'],
  });
  assert.throws(() => launcherCommand('#!/usr/bin/env -S A=1 deno run\n'), /runs deno, not node/);
});

test('bin/functape run as a program: glibc gets the mmap threshold at start, the programs functape starts do not', {
  skip: envSplits ? false : 'this env has no -S (BusyBox)',
}, () => {
  const root = fakeInstall();
  try {
    const direct = report(join(root, 'bin', 'functape'), ['record', '--db', 'x.db']);
    assert.deepEqual(direct.args, ['record', '--db', 'x.db']);
    assert.deepEqual(direct.execArgv, [], 'no V8 flags (they would cost Node its built-in code cache)');
    assert.deepEqual(
      direct.startEnv,
      ['MALLOC_MMAP_THRESHOLD_=1048576'],
      'in the environment the process started with (what glibc reads)',
    );
    assert.equal(direct.ownEnv, null, 'removed from process.env once started');
    assert.equal(direct.childEnv, 'undefined', 'not passed on to the programs functape starts');

    // `node bin/functape` (BusyBox, or by hand) runs the same CLI without it.
    const plain = report(process.execPath, [join(root, 'bin', 'functape'), '--help']);
    assert.deepEqual([plain.args, plain.execArgv, plain.startEnv, plain.ownEnv], [['--help'], [], [], null]);

    // A value of the user's own is left alone for the programs functape starts.
    const own = spawnSync(process.execPath, [join(root, 'bin', 'functape')], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, PATH, MALLOC_MMAP_THRESHOLD_: '4194304' },
    });
    assert.equal(own.status, 0, own.stderr);
    assert.equal((JSON.parse(own.stdout) as Report).childEnv, '4194304');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('bin/functape run as a program: Node starts without NODE_EXTRA_CA_CERTS, the programs functape starts get it as it was', {
  skip: envSplits ? false : 'this env has no -S (BusyBox)',
}, () => {
  const root = fakeInstall();
  try {
    // A file that does not exist: Node would warn at start had it read it.
    const missing = join(root, 'no-such-ca.pem');
    const r = spawnSync(join(root, 'bin', 'functape'), [], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, PATH, NODE_EXTRA_CA_CERTS: missing },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /extra certs/i, 'Node did not read the file at start');
    const set = JSON.parse(r.stdout) as Report;
    assert.deepEqual([...set.caStart].sort(), [`FUNCTAPE_CA=${missing}`, 'NODE_EXTRA_CA_CERTS=']);
    assert.equal(set.caOwn, missing, 'back in process.env (for pg-tls and the programs functape starts)');
    assert.equal(set.caChild, `${missing} unset`);

    const unset = report(join(root, 'bin', 'functape'), []);
    assert.deepEqual([unset.caOwn, unset.caChild], [null, 'unset unset']);

    // `node bin/functape` leaves it alone (Node reads it at start, as for any program).
    const plain = report(process.execPath, [join(root, 'bin', 'functape')], '/etc/hostname');
    assert.deepEqual([plain.caOwn, plain.caChild], ['/etc/hostname', '/etc/hostname unset']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('the real bin/functape, run as a program, answers as `node bin/functape` does', {
  skip: envSplits ? false : 'this env has no -S (BusyBox)',
}, () => {
  const env = { ...process.env, PATH };
  const direct = spawnSync(BIN, ['--version'], { encoding: 'utf8', timeout: 20_000, env });
  const plain = spawnSync(process.execPath, [BIN, '--version'], { encoding: 'utf8', timeout: 20_000, env });
  assert.equal(direct.status, 0, direct.stderr);
  assert.deepEqual([direct.status, direct.stdout, direct.stderr], [plain.status, plain.stdout, plain.stderr]);
  assert.match(direct.stdout, /\d+\.\d+\.\d+/);
});

test('profileArgs: with FUNCTAPE_BENCH_PROFILE_DIR, the process writes a CPU profile there; without it, nothing is added', () => {
  assert.deepEqual(profileArgs({}), []);
  const dir = mkdtempSync(join(tmpdir(), 'functape-prof-'));
  try {
    const r = spawnSync(
      process.execPath,
      [
        ...profileArgs({ FUNCTAPE_BENCH_PROFILE_DIR: dir }),
        '-e',
        'let x = 0; for (let i = 0; i < 1e5; i++) x += i;',
      ],
      { encoding: 'utf8', timeout: 20_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
    assert.equal(files.length, 1);
    assert.ok(
      Array.isArray((JSON.parse(readFileSync(join(dir, files[0]!), 'utf8')) as { nodes: unknown[] }).nodes),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
