// The Python grpcio worker (test/python/worker.py, an independent implementation) gets the
// same conformance run as the reference worker: every required scenario passes, and the
// report says exactly what it skips (it does not advertise HandlesWorkerWarmupMessage).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConformReport } from '../src/report/conform-report.js';
import { FUNCTAPE, PY_DIR, PYTHON, assertPythonGrpc, runProcess, shellJoin } from './helpers/python.js';

before(() => assertPythonGrpc());

test('Python grpcio worker: every required scenario passes; the report names what it skips and why', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'functape-conform-py-'));
  try {
    const json = join(dir, 'r.json');
    const workerCmd = shellJoin([PYTHON, join(PY_DIR, 'worker.py'), '--timeout', '60']);
    const r = await runProcess(
      [...FUNCTAPE, 'conform', '--worker', workerCmd, '--jobs', '4', '--json', json],
      {
        timeoutMs: 170_000,
        cwd: dir,
      },
    );
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const report = JSON.parse(readFileSync(json, 'utf8')) as ConformReport;
    const notPassed = report.results
      .filter((x) => x.status !== 'pass')
      .map((x) => `${x.scenario.id} ${x.status}: ${x.reason}`);
    assert.deepEqual(notPassed, [
      'status.warmup skipped: the worker does not advertise HandlesWorkerWarmupMessage',
    ]);
    assert.equal(report.counts.requiredFailed, 0);
    assert.ok(!report.capabilities.includes('HandlesWorkerWarmupMessage'));
    assert.match(
      r.stdout,
      /^status\.warmup +capability +skipped +the worker does not advertise HandlesWorkerWarmupMessage$/m,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
