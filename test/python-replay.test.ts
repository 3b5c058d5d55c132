// `functape replay worker` started by the Python grpcio host as its worker (host arguments
// appended, as a real host does), answering from a recording of the same host script
// against the Python worker. The host must complete the whole session and get the same
// answers (status, return value, RpcLogs per invocation) as in the recorded run.
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
  type HostOptions,
  type PythonHostRun,
} from './helpers/python.js';

const SCRIPT: Omit<HostOptions, 'log' | 'worker'> = {
  invocations: 16,
  concurrency: 4,
  functions: ['echo', 'hello', 'fail', 'log', 'sleep'],
  sleepMs: 20,
  envReload: true,
  timeoutSec: 30,
};

describe('functape replay worker ← python grpcio host', { timeout: 150_000 }, () => {
  let dir = '';
  before(() => {
    assertPythonGrpc();
    dir = mkdtempSync(join(tmpdir(), 'functape-pyreplay-'));
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  let source: PythonHostRun | undefined;
  /** One recording (python host → wrap/record → python worker), replayed by every test below. */
  async function recording(t: TestContext): Promise<PythonHostRun | undefined> {
    if (source) return source;
    const route = 'wrap';
    const r = await runPythonHostSession(route, {
      dir,
      name: 'source',
      script: SCRIPT,
      workerLogged: true,
      workerArgv: (log) => pythonWorkerArgv(log),
    });
    assert.equal(r.host.code, 0, describeRun(r));
    assert.equal(r.summary.outcome, 'completed');
    source = r;
    return r;
  }

  const variants = [
    ['fast', 'both'],
    ['recorded', 'functions'],
    ['10x', 'short'],
  ] as const;
  for (const [pace, argForm] of variants) {
    test(`replay worker answers the python host (--pace ${pace}, ${argForm} host-argument form): exit 0, the recorded answers`, async (t) => {
      const recorded = await recording(t);
      if (!recorded) return;
      const replayed = await runPythonHostSession('direct', {
        dir,
        name: `replay-${pace}`,
        script: { ...SCRIPT, argForm },
        workerLogged: false,
        workerArgv: () => [...FUNCTAPE, 'replay', 'worker', '--db', recorded.db!, '--pace', pace],
      });
      const s = replayed.summary;
      assert.equal(replayed.host.code, 0, describeRun(replayed));
      assert.equal(s.outcome, 'completed', describeRun(replayed));
      assert.equal(s.workerExit, 0, `replay worker exit code; ${describeRun(replayed)}`);
      assert.equal(s.workerEnd, 'half-close', 'replay worker ended its stream after WorkerTerminate');
      for (const k of [
        'invocations',
        'succeeded',
        'failed',
        'logs',
        'loadResponses',
        'statusResponses',
        'envReloads',
        'unexpected',
        'functions',
      ]) {
        assert.deepEqual(s[k], recorded.summary[k], `${k} as in the recorded run`);
      }
      assert.deepEqual(s.answers, recorded.summary.answers, 'each invocation got the recorded answer');
    });
  }

  test('functape replay host drives the python worker from a python-peer recording: 0 diffs; a changed greeting: exit 1 naming the field', async (t) => {
    const recorded = await recording(t);
    if (!recorded) return;
    const replay = (extra: string[]) =>
      runProcess(
        [
          ...FUNCTAPE,
          'replay',
          'host',
          '--db',
          recorded.db!,
          '--pace',
          'fast',
          '--worker',
          shellJoin(pythonWorkerArgv(join(dir, 'replayed.ndjson'), extra)),
        ],
        { timeoutMs: 60_000 },
      );
    const same = await replay([]);
    assert.equal(same.code, 0, `replay host against the same python worker: ${same.stdout}${same.stderr}`);
    assert.match(same.stdout, / 0 differed, 0 missing/);
    const changed = await replay(['--greeting', 'Hi']);
    assert.equal(
      changed.code,
      1,
      `a changed output field is a difference: ${changed.stdout}${changed.stderr}`,
    );
    assert.match(changed.stdout, /returnValue\.http\.body/, 'the diff names the field');
    assert.match(changed.stdout, /Hi, /);
  });
});
