// Redaction through the real peers: `functape host` (which sends an x-functions-key,
// the Headers/Query JSON in trigger metadata, claims and, with --reload-env, a
// connection string) → `functape wrap` → `functape worker`. The recording must hold
// none of those secrets, and replaying it against the reference worker must still give
// zero differences: markers are consistent, so replay correlates as with the originals.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRecording } from '../src/recording/open-recording.js';
import { databaseBytes, FUNCTAPE_BIN, startFunctape } from './security-session.js';

const quote = (argv: string[]) => argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)).join(' ');
const functape = (...args: string[]) => quote([process.execPath, FUNCTAPE_BIN, ...args]);

/** Secrets the scripted host sends (src/peers/invocation-plan.ts, host-script.ts). */
const HOST_SECRETS = ['functape-demo-key-not-a-secret', 'Server=demo;Password=not-a-real-secret', 'UseDevelopmentStorage=true'];

async function recordThroughWrap(db: string): Promise<void> {
  const host = startFunctape(['host', '--worker', functape('wrap', '--db', db, '--', process.execPath, FUNCTAPE_BIN, 'worker'),
    '--reload-env', '--invocations', '12', '--concurrency', '4', '--function', 'echo,hello,log', '--json']);
  const timer = setTimeout(() => host.child.kill('SIGKILL'), 60_000);
  const code = await host.exited;
  clearTimeout(timer);
  assert.equal(code, 0, `functape host: ${host.stderr()} ${host.stdout().slice(0, 2000)}`);
}

let dir = '';
let db = '';
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'functape-sec-'));
  db = join(dir, 'wrap.db');
  await recordThroughWrap(db);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('host → wrap → worker: the host\'s secrets are not in the recording; the rest is', () => {
  assert.equal((statSync(db).mode & 0o777).toString(8), '600');
  const bytes = databaseBytes(db);
  for (const s of HOST_SECRETS) assert.ok(!bytes.includes(s), `${s} must not be stored`);
  for (const k of ['x-functions-key', 'AzureWebJobsStorage', 'DEMO_CONNECTION_STRING', 'functape-host', 'localhost:7071']) assert.ok(bytes.includes(k), `${k} is stored`);
  const rec = openRecording(db);
  try {
    const [s] = rec.sessions();
    assert.ok(s);
    const frames = [...rec.frames(s.id)];
    assert.ok(frames.filter((f) => f.kind === 'invocationRequest').every((f) => f.redacted), 'every invocation request was redacted');
    assert.ok(frames.some((f) => f.kind === 'functionEnvironmentReloadRequest' && f.redacted));
    assert.ok(frames.filter((f) => f.kind === 'workerInitRequest' || f.kind === 'startStream').every((f) => !f.redacted));
  } finally {
    rec.close();
  }
});

test('replay host of a redacted recording against the reference worker: zero differences', async () => {
  const reportFile = join(dir, 'report.json');
  const replay = startFunctape(['replay', 'host', '--db', db, '--worker', functape('worker'), '--pace', 'fast', '--report', reportFile]);
  const timer = setTimeout(() => replay.child.kill('SIGKILL'), 60_000);
  const code = await replay.exited;
  clearTimeout(timer);
  assert.equal(code, 0, `replay host: ${replay.stdout().slice(0, 3000)} ${replay.stderr()}`);
  assert.match(replay.stdout(), /\b0 differed, 0 missing/);
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as { outcomes: Array<{ kind: string; status: string; differences: unknown[] }> };
  const answers = report.outcomes.filter((o) => o.kind === 'invocationResponse');
  assert.equal(answers.length, 12, 'every recorded invocation was answered again');
  for (const o of report.outcomes) assert.deepEqual([o.kind, o.status, o.differences], [o.kind, 'matched', []]);
  assert.ok(report.outcomes.some((o) => o.kind === 'functionEnvironmentReloadResponse'), 'the redacted reload request was replayed');
});
