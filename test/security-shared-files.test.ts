// One rule for an existing recording other users can read (src/cli/private-file.ts):
// every command that writes into it (record, wrap, import, replay --record/--report, redact)
// writes as asked and prints the same single warning line; a file it creates is 0600.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listenAsHost } from '../src/wire/grpc-peer.js';
import { FUNCTAPE_BIN, listeningAddress, startFunctape } from './security-session.js';
import { writeSampleRecording } from './recording-sample.js';

const quote = (argv: string[]) =>
  argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)).join(' ');
const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);
/** `: > file; chmod 644 file` */
function sharedEmptyFile(path: string): string {
  writeFileSync(path, '');
  chmodSync(path, 0o644);
  return path;
}
const warning = (command: string, path: string) =>
  `functape ${command}: warning: ${path} can be read by other users (mode 0644); \`chmod 600 ${path}\` keeps it to you`;
const count = (text: string, line: string) => text.split('\n').filter((l) => l === line).length;

async function finish(p: ReturnType<typeof startFunctape>, ms = 60_000): Promise<number | string> {
  const timer = setTimeout(() => p.child.kill('SIGKILL'), ms);
  const code = await p.exited;
  clearTimeout(timer);
  return code;
}

test('writing into an existing recording others can read: one warning line from every writer command', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'functape-shared-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));

  const recDb = sharedEmptyFile(join(dir, 'record.db'));
  const upstream = await listenAsHost({ host: '127.0.0.1', port: 0 });
  const rec = startFunctape(['record', '--upstream', upstream.address, '--db', recDb]);
  await listeningAddress(rec);
  rec.child.kill('SIGTERM');
  assert.equal(await finish(rec), 0, rec.stderr());
  await upstream.close(100);
  assert.equal(count(rec.stderr(), warning('record', recDb)), 1, rec.stderr());

  const wrapDb = sharedEmptyFile(join(dir, 'wrap.db'));
  const wrap = quote([
    process.execPath,
    FUNCTAPE_BIN,
    'wrap',
    '--db',
    wrapDb,
    '--',
    process.execPath,
    FUNCTAPE_BIN,
    'worker',
  ]);
  const host = startFunctape([
    'host',
    '--worker',
    wrap,
    '--invocations',
    '2',
    '--function',
    'echo',
    '--verbose',
  ]);
  assert.equal(await finish(host), 0, host.stderr());
  assert.equal(count(host.stderr(), `[worker] ${warning('wrap', wrapDb)}`), 1, host.stderr());

  const importDb = sharedEmptyFile(join(dir, 'import.db'));
  const empty = join(dir, 'empty.ndjson');
  writeFileSync(empty, '');
  const imp = startFunctape(['import', '--db', importDb, '--in', empty]);
  assert.equal(await finish(imp), 0, imp.stderr());
  assert.equal(imp.stderr(), `${warning('import', importDb)}\n`);

  const sample = join(dir, 'sample.db');
  writeSampleRecording(sample);
  const redactDb = join(dir, 'redact.db');
  writeSampleRecording(redactDb);
  chmodSync(redactDb, 0o644);
  const red = startFunctape(['redact', '--db', redactDb]);
  assert.equal(await finish(red), 0, red.stderr());
  assert.equal(red.stderr(), `${warning('redact', redactDb)}\n`);

  const replayDb = sharedEmptyFile(join(dir, 'replay.db'));
  const report = sharedEmptyFile(join(dir, 'report.json'));
  const junit = join(dir, 'new.xml');
  const replay = startFunctape([
    'replay',
    'host',
    '--db',
    sample,
    '--session',
    '1',
    '--pace',
    'fast',
    '--worker',
    quote([process.execPath, FUNCTAPE_BIN, 'worker']),
    '--record',
    replayDb,
    '--report',
    report,
    '--junit',
    junit,
  ]);
  assert.ok([0, 1].includes((await finish(replay)) as number), replay.stderr());
  assert.equal(count(replay.stderr(), warning('replay', replayDb)), 1, replay.stderr());
  assert.equal(count(replay.stderr(), warning('replay', report)), 1, replay.stderr());
  assert.equal(mode(junit), '600', 'a report file functape creates is 0600');

  for (const [path, m] of [
    [recDb, '644'],
    [wrapDb, '644'],
    [importDb, '644'],
    [replayDb, '644'],
    [report, '644'],
    [sample, '600'],
  ] as const)
    assert.equal(mode(path), m, `${path} keeps its mode`);
});
