// The Python grpcio host driving functape's reference worker (`functape worker`): directly,
// then with `functape record` and `functape wrap` between them. The host's log of the exact
// bytes it sent and received must equal the recording (once, same bytes, same order per
// direction), and host and worker must behave exactly as when connected directly.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  assertPythonGrpc,
  assertTransparentRun,
  describeRun,
  FUNCTAPE,
  runPythonHostSession,
  type HostOptions,
  type PythonHostRun,
  type Route,
} from './helpers/python.js';

/** Odd invocations are 5 s sleeps cancelled at once; the first carries a 4.5 MiB body echoed back. */
const SCRIPT: Omit<HostOptions, 'log' | 'worker'> = {
  invocations: 24,
  concurrency: 6,
  functions: ['echo', 'sleep', 'hello', 'sleep', 'fail', 'sleep', 'log', 'sleep'],
  sleepMs: 5000,
  cancelEvery: 2,
  envReload: true,
  bigBodyMb: 4.5,
  timeoutSec: 30,
};

describe('python grpcio host ↔ functape worker', { timeout: 150_000 }, () => {
  let dir = '';
  let direct: PythonHostRun | undefined;
  const run = (route: Route) =>
    runPythonHostSession(route, {
      dir,
      name: 'fworker',
      script: SCRIPT,
      workerLogged: false,
      workerArgv: () => [...FUNCTAPE, 'worker'],
    });

  before(() => {
    assertPythonGrpc();
    dir = mkdtempSync(join(tmpdir(), 'functape-pyhost-'));
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  test('direct: functape worker answers the python host', async (t) => {
    const r = await run('direct');
    const s = r.summary;
    assert.equal(r.host.code, 0, describeRun(r));
    assert.deepEqual(
      [
        s.outcome,
        s.invocations,
        s.succeeded,
        s.failed,
        s.cancelled,
        s.statusResponses,
        s.envReloads,
        s.workerExit,
        s.workerEnd,
        s.unexpected,
      ],
      ['completed', 24, 9, 3, 12, 1, 1, 0, 'half-close', 0],
      describeRun(r),
    );
    assert.ok(s.logs >= 3 * 2, `log invocations emitted their RpcLogs (${s.logs})`);
    assert.ok(s.functions.includes('echo') && s.functions.includes('sleep'), 'worker-indexed functions');
    assert.ok(
      r.hostLog.received.some((b) => b.length > 4.5 * 1024 * 1024),
      'the 4.5 MiB body came back',
    );
    direct = r;
  });

  for (const route of ['record', 'wrap'] as const) {
    test(`through functape ${route}: the recording is what the python host saw; same behaviour`, async (t) => {
      assert.ok(direct, 'the direct run must pass first');
      await assertTransparentRun(await run(route), direct);
    });
  }
});
