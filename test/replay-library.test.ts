// The README's library example, run as written (imports from the package entry point).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../src/cli/main.js';
import {
  buildHostArgs,
  formatReplayText,
  listenAsHost,
  openRecording,
  replayHost,
  type Duplex,
} from '../src/index.js';

const BIN = resolve(process.cwd(), 'bin/functape');

test('README example: a regression test with replayHost from functape', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'functape-lib-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const db = join(dir, 'hello.db');
  const quiet = new Writable({ write: (_c, _e, cb) => cb() });
  const imported = await main(
    ['import', '--db', db, '--in', resolve('fixtures/sessions/reference-mixed.ndjson')],
    { stdout: quiet, stderr: quiet, signal: new AbortController().signal },
  );
  assert.equal(imported, 0);

  // --- as in the README ---
  const recording = openRecording(db);
  const frames = [...recording.frames(1)];
  recording.close();

  const host = await listenAsHost({ host: '127.0.0.1', port: 0 });
  const ids = { workerId: randomUUID(), requestId: randomUUID() };
  const worker = spawn(
    process.execPath,
    [BIN, 'worker', ...buildHostArgs({ host: '127.0.0.1', port: host.port, ...ids })],
    { stdio: 'ignore' },
  );
  const duplex = await new Promise<Duplex>((resolve) => host.onStream(resolve));

  const report = await replayHost({ frames, duplex, ...ids, pace: 'fast' });
  worker.kill();
  await host.close();
  const { differed, missing, extra } = report.counts;
  assert.equal(differed + missing + extra, 0, formatReplayText(report, { color: false }));
  // --- end ---
  assert.ok(report.counts.matched > 20);
});
