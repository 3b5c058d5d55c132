// One rule for every command that listens (src/cli/listen-address.ts): a non-loopback
// --listen is refused without --allow-remote (one line, exit 2) and warned about with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FUNCTAPE_BIN } from './security-session.js';
import { writeSampleRecording } from './recording-sample.js';

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [FUNCTAPE_BIN, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

const COMMANDS = [
  'demo',
  'record',
  'wrap',
  'worker',
  'host',
  'sessions',
  'show',
  'view',
  'export',
  'import',
  'verify',
  'replay',
  'redact',
  'bench',
];

test('every command that takes --listen also takes --allow-remote', async () => {
  const listening: string[] = [];
  for (const c of COMMANDS) {
    const help = (await run([c, '--help'])).stdout;
    assert.match(help, /--help/, `${c} --help`);
    if (!/--listen\b/.test(help)) continue;
    listening.push(c);
    assert.match(help, /--allow-remote/, `${c} takes --listen, so it must take --allow-remote`);
  }
  assert.deepEqual(listening, ['record', 'view', 'replay']);
});

test('a non-loopback --listen: refused without --allow-remote, warned about with it, the same for every command', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'functape-listen-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const db = join(dir, 'sample.db');
  writeSampleRecording(db);
  const commands: Array<[string, string[]]> = [
    ['record', ['record', '--upstream', '127.0.0.1:7071', '--db', join(dir, 'rec.db')]],
    ['replay host', ['replay', 'host', '--db', db, '--session', '1']],
    ['view', ['view', '--db', db]],
  ];
  for (const [name, argv] of commands) {
    for (const address of ['0.0.0.0:0', '[::]:0', '10.1.2.3:7071']) {
      const r = await run([...argv, '--listen', address]);
      assert.equal(r.code, 2, `${name} --listen ${address}: ${r.stderr}`);
      assert.equal(
        r.stderr,
        `functape: --listen ${address} is not a loopback address; add --allow-remote to accept workers from other machines\n`,
        name,
      );
      assert.equal(r.stdout, '', `${name}: nothing started`);
    }
  }
  // Accepted with --allow-remote, with the warning; no worker comes, so the replay gives up (exit 3).
  const r = await run([
    'replay',
    'host',
    '--db',
    db,
    '--session',
    '1',
    '--listen',
    '0.0.0.0:0',
    '--allow-remote',
    '--start-timeout',
    '1s',
  ]);
  assert.equal(r.code, 3, r.stderr);
  assert.match(
    r.stderr,
    /^functape replay: warning: listening on 0\.0\.0\.0:0: any machine that can reach it can connect/m,
  );
});
