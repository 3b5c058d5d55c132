// `functape replay host --fault` against the Python grpcio worker (another implementation
// of the protocol than the reference worker): under each fault it must answer as the
// protocol allows (exit 0), and exit when functape breaks the stream.
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  assertPythonGrpc,
  describeRun,
  FUNCTAPE,
  pythonWorkerArgv,
  runProcess,
  runPythonHostSession,
  shellJoin,
  type PythonHostRun,
} from './helpers/python.js';

describe('functape replay host --fault → python grpcio worker', { timeout: 150_000 }, () => {
  let dir = '';
  before(() => {
    assertPythonGrpc();
    dir = mkdtempSync(join(tmpdir(), 'functape-pyfaults-'));
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  let source: PythonHostRun | undefined;
  async function recording(_t: TestContext): Promise<PythonHostRun> {
    if (source) return source;
    const r = await runPythonHostSession('wrap', {
      dir,
      name: 'source',
      script: {
        invocations: 10,
        concurrency: 3,
        functions: ['echo', 'hello', 'log', 'sleep'],
        sleepMs: 20,
        timeoutSec: 30,
      },
      workerLogged: true,
      workerArgv: (log) => pythonWorkerArgv(log),
    });
    assert.equal(r.host.code, 0, describeRun(r));
    source = r;
    return r;
  }

  for (const fault of ['cancel:sleep@5ms', 'dup:invocation@50%', 'reorder', 'early-invoke', 'break@8'])
    test(`--fault ${fault}: the python worker handles it as the protocol allows (exit 0)`, async (t) => {
      const recorded = await recording(t);
      const r = await runProcess(
        [
          ...FUNCTAPE,
          'replay',
          'host',
          '--db',
          recorded.db!,
          '--pace',
          'fast',
          '--answer-timeout',
          '5s',
          '--fault',
          fault,
          '--seed',
          '2',
          '--worker',
          shellJoin(pythonWorkerArgv(join(dir, `faulted-${fault.replace(/\W/g, '_')}.ndjson`))),
        ],
        { timeoutMs: 60_000 },
      );
      assert.equal(r.code, 0, `${fault}: ${r.stdout}${r.stderr}`);
      assert.match(r.stdout, /faults \(seed 2\): /);
      if (fault.startsWith('break')) assert.match(r.stdout, /the worker then exited with/);
    });
});
