// The reference peers against an independent gRPC implementation (Python grpcio peers in
// test/python/): each of ours must work with the other side written by someone else.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HostReport } from '../src/peers/host-report.js';
import {
  FUNCTAPE,
  REPO,
  assertPythonGrpc,
  hostSummary,
  pythonHostArgv,
  pythonWorkerArgv,
  readPeerLog,
  runProcess,
  shellJoin,
} from './helpers/python.js';
import { describe as describeBytes } from '../src/codec/describe.js';

before(() => assertPythonGrpc());

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'functape-peers-py-'));
}

for (const argForm of ['functions', 'short'] as const) {
  test(`Python grpcio host → functape worker (${argForm} host arguments): every answer as the host expects`, async () => {
    const dir = tempDir();
    try {
      const log = join(dir, 'host.ndjson');
      const result = await runProcess(
        pythonHostArgv({
          worker: shellJoin([...FUNCTAPE, 'worker']),
          log,
          invocations: 28,
          concurrency: 4,
          argForm,
          functions: ['echo', 'hello', 'sleep', 'log', 'fail', 'noop', 'big'],
          // Long enough that the cancel sent right after the request always lands while it sleeps
          // (at 20 ms a busy machine let the sleep finish first now and then).
          sleepMs: 250,
          cancelEvery: 5,
          envReload: true,
          bigBodyMb: 1,
        }),
        { timeoutMs: 60_000, cwd: REPO },
      );
      const s = hostSummary(result);
      assert.equal(s.outcome, 'completed', `${s.error}\n${result.stderr}`);
      assert.equal(s.unexpected, 0);
      assert.equal(s.workerExit, 0, 'the worker exits 0 after WorkerTerminate');
      assert.equal(s.workerEnd, 'half-close', 'the worker ended its side of the stream itself');
      assert.equal(s.invocations, 28);
      assert.ok(s.cancelled >= 1, 'a cancelled sleep answered Cancelled');
      assert.equal(s.failed, 4, 'fail fails');
      assert.equal(s.statusResponses, 1);
      assert.equal(s.envReloads, 1);
      assert.deepEqual(s.functions, ['big', 'crash', 'echo', 'fail', 'hello', 'log', 'noop', 'sleep']);
      const peer = readPeerLog(log);
      assert.equal(describeBytes(peer.received[0]!).kind, 'startStream');
      for (const bytes of peer.received)
        assert.equal(describeBytes(bytes).decodeError, undefined, 'every worker message decodes');
      const echoed = peer.received.map(describeBytes).filter((d) => d.kind === 'workerStatusResponse');
      assert.equal(echoed.length, 1);
      assert.ok(echoed[0]!.requestId, 'the status answer carries the request id it was asked with');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('functape host → Python grpcio worker: the scripted host works with another implementation', async () => {
  const dir = tempDir();
  try {
    const worker = shellJoin(pythonWorkerArgv(join(dir, 'worker.ndjson')));
    const result = await runProcess(
      [
        ...FUNCTAPE,
        'host',
        '--json',
        '--worker',
        worker,
        '-n',
        '30',
        '-c',
        '4',
        '-f',
        'echo,hello,sleep,log,fail,noop',
        '--cancel-every',
        '3',
        '--reload-env',
      ],
      { timeoutMs: 60_000, cwd: REPO },
    );
    const report = JSON.parse(result.stdout) as HostReport;
    assert.equal(result.code, 0, `${report.problem}\n${report.worker.stderrTail.join('\n')}`);
    assert.equal(report.outcome, 'ok');
    assert.ok(report.workerCapabilities.includes('SupportsLoadResponseCollection'));
    assert.equal(report.invocations.answered, 30);
    assert.equal(report.invocations.byFunction.sleep!.cancelled, 1);
    assert.equal(report.statusEchoed, true);
    const peer = readPeerLog(join(dir, 'worker.ndjson'));
    assert.ok(
      peer.received.some((b) => describeBytes(b).kind === 'functionLoadRequestCollection'),
      'loads went as one collection',
    );
    assert.equal(describeBytes(peer.received.at(-1)!).kind, 'workerTerminate');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
