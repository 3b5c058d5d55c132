// `functape minimize` against the Python grpcio worker (another implementation of the
// protocol): a worker that exits when its 3rd InvocationRequest arrives shrinks to 3 invocations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeRecording } from './bench-helpers.js';
import { assertPythonGrpc, pythonWorkerArgv, shellJoin } from './helpers/python.js';
import { recordInMemory } from './replay-support.js';
import { runMain } from './helpers/run-main.js';

test('minimize with the Python grpcio worker (--die-on-invocation 3): 3 invocations, 1-minimal', async (t) => {
  assertPythonGrpc();
  const dir = mkdtempSync(join(tmpdir(), 'functape-pymin-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const frames = await recordInMemory({ functions: ['hello', 'echo'], invocations: 12, concurrency: 2 });
  const db = join(dir, 'in.db');
  writeRecording(db, frames);
  const worker = shellJoin(pythonWorkerArgv(join(dir, 'worker.log'), ['--die-on-invocation', '3']));
  const json = join(dir, 'min.json');
  const { code, stdout, stderr } = await runMain([
    ...['minimize', '--db', db, '--worker', `${worker} --log-per-worker`, '--out', join(dir, 'min.db')],
    ...['--pace', 'fast', '--jobs', '2', '--confirm', '1', '--json', json],
  ]);
  const out = stdout + stderr;
  assert.equal(code, 0, out);
  const report = JSON.parse(readFileSync(json, 'utf8'));
  assert.match(report.target, /broke/);
  assert.equal(report.units.after, 3, out);
  assert.equal(report.oneMinimal, true);
  assert.ok(report.runs <= 40, `${report.runs} runs`);
});
