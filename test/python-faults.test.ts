// A peer process that dies mid-session, seen by the other (independent, Python grpcio) peer:
// through functape it must end the same way as when connected directly, and the recording
// must hold exactly what crossed before the death.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  assertPythonGrpc,
  describeRun,
  pythonWorkerArgv,
  readRecording,
  runPythonHostSession,
  transparencyProblems,
  type PythonHostRun,
  type Route,
} from './helpers/python.js';

function recordedExactly(r: PythonHostRun): void {
  const { sessions, frames } = readRecording(r.db!);
  assert.equal(sessions.length, 1);
  assert.ok(sessions[0]!.end, 'the session has an end');
  assert.deepEqual(
    transparencyProblems(frames, { host: r.hostLog, worker: r.workerLog }),
    [],
    describeRun(r),
  );
}

describe('a Python peer dies mid-session', { timeout: 150_000 }, () => {
  let dir = '';
  before(() => {
    assertPythonGrpc();
    dir = mkdtempSync(join(tmpdir(), 'functape-pyfault-'));
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  const workerDies = (route: Route) =>
    runPythonHostSession(route, {
      dir,
      name: 'worker-dies',
      workerLogged: true,
      script: { invocations: 5, concurrency: 1, functions: ['echo', 'log'], timeoutSec: 30 },
      workerArgv: (log) => pythonWorkerArgv(log, ['--die-on-invocation', '3']),
    });
  const hostDies = (route: Route) =>
    runPythonHostSession(route, {
      dir,
      name: 'host-dies',
      workerLogged: true,
      script: { invocations: 5, concurrency: 1, functions: ['echo', 'log'], timeoutSec: 30, dieAfter: 2 },
      workerArgv: (log) => pythonWorkerArgv(log, ['--timeout', '30']),
    });

  test('the worker process exits during its 3rd invocation: the host sees the same end', async () => {
    const direct = await workerDies('direct');
    const what = (r: PythonHostRun) => ({
      exit: r.host.code,
      outcome: r.summary.outcome,
      workerExit: r.summary.workerExit,
      invocations: r.summary.invocations,
      sent: r.summary.sent,
      received: r.summary.received,
    });
    assert.deepEqual(what(direct), {
      exit: 3,
      outcome: 'broken',
      workerExit: 70,
      invocations: 2,
      sent: direct.summary.sent,
      received: direct.summary.received,
    });
    for (const route of ['record', 'wrap'] as const) {
      const r = await workerDies(route);
      assert.deepEqual(what(r), what(direct), `${route}: ${describeRun(r)}`);
      recordedExactly(r);
    }
  });

  test('the host process exits after 2 answers: the worker gets UNAVAILABLE as when direct', async () => {
    const direct = await hostDies('direct');
    assert.equal(direct.host.code, 9);
    assert.equal(direct.workerLog?.summary?.status, 'UNAVAILABLE', JSON.stringify(direct.workerLog?.summary));
    for (const route of ['record', 'wrap'] as const) {
      const r = await hostDies(route);
      assert.equal(r.host.code, 9, describeRun(r));
      const w = r.workerLog?.summary;
      assert.deepEqual(
        [w?.status, w?.invocations, w?.sent, w?.received],
        ['UNAVAILABLE', 2, direct.workerLog?.summary?.sent, direct.workerLog?.summary?.received],
        `${route}: ${JSON.stringify(w)}`,
      );
      recordedExactly(r);
    }
  });
});
