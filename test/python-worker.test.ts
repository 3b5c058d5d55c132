// functape's scripted host (`functape host`) driving the Python grpcio worker: directly,
// through `functape wrap`, and through `functape record` put in place by an independent
// launcher shim (test/python/via_record.py). The worker logs the exact bytes it sent and
// received; the recording must equal them (once, same bytes, same order per direction) and
// both peers must behave as when connected directly.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  assertPythonGrpc,
  kindCounts,
  readRecording,
  runFunctapeHostSession,
  showJson,
  transparencyProblems,
  workerBehaviour,
  type FunctapeHostRun,
  type Route,
} from './helpers/python.js';

/** Every built-in function twice; every 2nd sleep is cancelled; `big` answers 4.5 MiB (over gRPC's 4 MiB default). */
const HOST_FLAGS = [
  '-n',
  '14',
  '-c',
  '4',
  '-f',
  'echo,hello,sleep,log,fail,noop,big',
  '--cancel-every',
  '2',
  '--log-count',
  '3',
  '--big-mb',
  '4.5',
  '--reload-env',
];

/** What must not change with a proxy in between (not timings, not ids). */
function behaviour(r: FunctapeHostRun): Record<string, unknown> {
  const {
    outcome,
    problem,
    phase,
    workerCapabilities,
    functions,
    invocations,
    logs,
    messages,
    statusEchoed,
    worker,
  } = r.report;
  return {
    exit: r.host.code,
    outcome,
    problem,
    phase,
    workerCapabilities,
    functions,
    invocations,
    logs,
    messages,
    statusEchoed,
    workerExit: worker?.exitCode,
  };
}

function describeRun(r: FunctapeHostRun): string {
  return `${r.route}: functape host exit ${r.host.code}${r.host.timedOut ? ' (timed out)' : ''}; report problem: ${r.report.problem ?? '-'}; stderr: ${r.host.stderr.slice(-1500)}; worker stderr: ${(r.report.worker?.stderrTail ?? []).join(' | ')}`;
}

describe('functape host ↔ python grpcio worker', { timeout: 150_000 }, () => {
  let dir = '';
  let direct: FunctapeHostRun | undefined;
  const run = (route: Route) =>
    runFunctapeHostSession(route, {
      dir,
      name: 'fhost',
      hostFlags: HOST_FLAGS,
      workerExtra: ['--metadata', 'x-functape-test=fhost'],
    });

  before(() => {
    assertPythonGrpc();
    dir = mkdtempSync(join(tmpdir(), 'functape-pyworker-'));
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  test('direct: the python worker satisfies functape host', async (t) => {
    const r = await run('direct');
    assert.equal(r.host.code, 0, describeRun(r));
    assert.equal(r.report.outcome, 'ok', describeRun(r));
    assert.equal(r.report.invocations.answered, 14);
    assert.equal(r.report.statusEchoed, true);
    const w = r.workerLog!;
    assert.equal(w.summary?.status, 'OK');
    assert.equal(w.summary?.terminated, true);
    assert.deepEqual(
      [w.summary?.invocations, w.summary?.cancelled, w.summary?.failed, w.summary?.envReloads],
      [14, 1, 2, 1],
    );
    assert.deepEqual(
      [r.report.messages.toWorker, r.report.messages.toHost],
      [w.received.length, w.sent.length],
      'both peers counted the same messages',
    );
    assert.ok(
      w.sent.some((b) => b.length > 4.5 * 1024 * 1024),
      'a 4.5 MiB answer',
    );
    direct = r;
  });

  for (const route of ['record', 'wrap'] as const) {
    test(`through functape ${route}: the recording is what the python worker saw; same behaviour`, async (t) => {
      assert.ok(direct, 'the direct run must pass first');
      const r = await run(route);
      assert.deepEqual(behaviour(r), behaviour(direct), `host behaviour as when direct; ${describeRun(r)}`);
      assert.ok(r.workerLog, `the worker left no log; ${describeRun(r)}`);
      assert.deepEqual(
        workerBehaviour(r.workerLog.summary),
        workerBehaviour(direct.workerLog!.summary),
        'worker behaviour as when direct',
      );
      assert.deepEqual(kindCounts(r.workerLog.receivedKinds), kindCounts(direct.workerLog!.receivedKinds));
      assert.deepEqual(kindCounts(r.workerLog.sentKinds), kindCounts(direct.workerLog!.sentKinds));

      const { sessions, frames } = readRecording(r.db!);
      assert.equal(sessions.length, 1, `one session expected, got ${sessions.length}`);
      assert.equal(sessions[0]!.workerId, r.report.workerId);
      assert.equal(
        sessions[0]!.end?.status?.code,
        0,
        `session ended with status OK: ${showJson(sessions[0]!.end)}`,
      );
      assert.deepEqual(
        sessions[0]!.metadata['x-functape-test'],
        ['fhost'],
        'worker request metadata recorded',
      );
      assert.deepEqual(
        frames.filter((f) => f.redacted).map((f) => f.kind),
        [],
      );
      assert.deepEqual(
        frames.map((f) => f.seq),
        frames.map((_, i) => i),
      );
      assert.deepEqual(transparencyProblems(frames, { worker: r.workerLog }), []);
      assert.equal(frames.length, r.workerLog.sent.length + r.workerLog.received.length);
    });
  }
});
