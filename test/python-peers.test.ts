// functape between two peers that share none of its code: a host and a worker written in
// Python with grpcio (test/python/). Each peer logs the exact bytes it handed to and got
// from grpcio; the recording must hold each of them once, same bytes, same order per
// direction, and the peers must behave exactly as when connected directly.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  assertPythonGrpc,
  assertTransparentRun,
  describeRun,
  pythonHostArgv,
  pythonWorkerArgv,
  readPeerLog,
  readRecording,
  runProcess,
  transparencyProblems,
  runPythonHostSession,
  shellJoin,
  type HostOptions,
  type PythonHostRun,
  type RecordedFrame,
  type Route,
} from './helpers/python.js';

/** One session touching every message kind the peers know, with deterministic outcomes:
 * odd invocations are 5 s sleeps cancelled right after they start; the first carries a
 * 4.5 MiB body (over gRPC's 4 MiB default limit) that echo returns. */
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
const METADATA = 'x-functape-test=python-peers,x-trace=abc123';

describe('python grpcio host ↔ python grpcio worker', { timeout: 150_000 }, () => {
  let dir = '';
  let direct: PythonHostRun | undefined;
  const proxied = new Map<Route, PythonHostRun>();
  const run = (route: Route) =>
    runPythonHostSession(route, {
      dir,
      name: 'peers',
      script: SCRIPT,
      workerLogged: true,
      workerArgv: (log) => pythonWorkerArgv(log, ['--metadata', METADATA]),
    });

  before(() => {
    assertPythonGrpc();
    dir = mkdtempSync(join(tmpdir(), 'functape-py-'));
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  test('direct: each peer received exactly what the other sent', async () => {
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
        s.logs,
        s.statusResponses,
        s.envReloads,
        s.workerExit,
        s.workerEnd,
      ],
      ['completed', 24, 9, 3, 12, 3 * 1 + 3 * 2, 1, 1, 0, 'half-close'], // fail logs once, log twice (?count=2)
    );
    assert.equal(s.requestMetadata['x-functape-test'], 'python-peers');
    const w = r.workerLog!;
    assert.equal(w.summary?.status, 'OK');
    assert.equal(w.summary?.form, 'functions');
    assert.ok(r.hostLog.sent.length > 30 && r.hostLog.received.length > 30, 'a real session');
    assert.ok(
      r.hostLog.sent.some((b) => b.length > 4.5 * 1024 * 1024) &&
        r.hostLog.received.some((b) => b.length > 4.5 * 1024 * 1024),
      'a message over 4 MiB each way',
    );
    assert.deepEqual(w.received, r.hostLog.sent, 'worker received exactly what the host sent');
    assert.deepEqual(r.hostLog.received, w.sent, 'host received exactly what the worker sent');
    direct = r;
  });

  test('the worker reads the short host-argument form alone', async () => {
    const workerLog = join(dir, 'short-worker.ndjson');
    const r = await runProcess(
      pythonHostArgv({
        worker: shellJoin(pythonWorkerArgv(workerLog)),
        log: join(dir, 'short-host.ndjson'),
        invocations: 3,
        argForm: 'short',
      }),
      { timeoutMs: 60_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readPeerLog(workerLog).summary?.form, 'short');
  });

  for (const form of ['short', 'functions'] as const) {
    test(`functape wrap rewrites the ${form} host-argument form alone`, async (t) => {
      const script = {
        invocations: 4,
        concurrency: 2,
        functions: ['echo', 'log'],
        argForm: form,
        timeoutSec: 30,
      };
      const r = await runPythonHostSession('wrap', {
        dir,
        name: `form-${form}`,
        script,
        workerLogged: true,
        workerArgv: (log) => pythonWorkerArgv(log),
      });
      assert.equal(r.host.code, 0, describeRun(r));
      assert.equal(r.summary.outcome, 'completed');
      assert.equal(r.workerLog?.summary?.form, form, 'the worker got only that form');
      const { sessions, frames } = readRecording(r.db!);
      assert.equal(sessions.length, 1, 'the worker connected through the proxy');
      assert.deepEqual(transparencyProblems(frames, { host: r.hostLog, worker: r.workerLog }), []);
    });
  }

  test('bytes that are not a StreamingMessage: forwarded unchanged, stored with their decode error', async (t) => {
    const script = { invocations: 3, concurrency: 1, functions: ['echo'], timeoutSec: 30 };
    const r = await runPythonHostSession('wrap', {
      dir,
      name: 'garbage',
      script,
      workerLogged: true,
      workerArgv: (log) => pythonWorkerArgv(log, ['--send-garbage']),
    });
    assert.equal(r.host.code, 0, describeRun(r));
    assert.deepEqual([r.summary.outcome, r.summary.undecodable, r.summary.invocations], ['completed', 1, 3]);
    const garbage = r.workerLog!.sent[r.workerLog!.sentKinds.indexOf('undecodable')]!;
    assert.ok(
      r.hostLog.received.some((b) => b.equals(garbage)),
      'the host got the same bytes',
    );
    const { frames } = readRecording(r.db!);
    const stored = frames.filter((f) => f.kind === 'unknown');
    assert.equal(stored.length, 1);
    assert.ok(stored[0]!.bytes.equals(garbage), 'stored byte for byte');
    assert.ok(stored[0]!.decodeError, 'with the decode error');
    assert.deepEqual(transparencyProblems(frames, { host: r.hostLog, worker: r.workerLog }), []);
  });

  for (const route of ['record', 'wrap'] as const) {
    test(`through functape ${route}: every message recorded once, same bytes, same order; same behaviour`, async (t) => {
      assert.ok(direct, 'the direct run must pass first');
      const r = await run(route);
      await assertTransparentRun(r, direct);
      assert.equal(
        r.summary.requestMetadata['x-functape-test'],
        'python-peers',
        'request metadata forwarded',
      );
      assert.equal(r.summary.requestMetadata['x-trace'], 'abc123', 'request metadata forwarded');
      proxied.set(route, r);
    });
  }

  test('the response headers the host sent reach the worker unchanged (no header added)', () => {
    assert.ok(direct && proxied.size > 0, 'the direct and proxied runs must pass first');
    assert.deepEqual(direct.workerLog?.summary?.initialMetadata, { 'x-host-initial': 'python-host' });
    for (const [route, r] of proxied) {
      assert.deepEqual(
        r.workerLog?.summary?.initialMetadata,
        direct.workerLog?.summary?.initialMetadata,
        route,
      );
      assert.deepEqual(r.workerLog?.summary?.trailers, { 'x-host-trailer': 'done' }, route);
    }
  });
});

describe('python grpcio peers through functape with redaction on', { timeout: 120_000 }, () => {
  let dir = '';
  before(() => {
    assertPythonGrpc();
    dir = mkdtempSync(join(tmpdir(), 'functape-pyredact-'));
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  test('redaction changes what is stored, never what is forwarded', async (t) => {
    const script = {
      invocations: 6,
      concurrency: 3,
      functions: ['echo', 'hello'],
      envReload: true,
      timeoutSec: 30,
    };
    const r = await runPythonHostSession('wrap', {
      dir,
      name: 'redact',
      script,
      workerLogged: true,
      redact: 'on',
      workerArgv: (log) => pythonWorkerArgv(log),
    });
    assert.equal(r.host.code, 0, describeRun(r));
    const w = r.workerLog!;
    assert.deepEqual(w.received, r.hostLog.sent, "the worker got the host's bytes, secrets included");
    assert.deepEqual(r.hostLog.received, w.sent, "the host got the worker's bytes");
    assert.ok(
      r.hostLog.sent.some((b) => b.includes('py-secret-token-')),
      'the host did send secrets',
    );

    const { frames } = readRecording(r.db!);
    const toWorker = frames.filter((f) => f.direction === 'toWorker');
    const toHost = frames.filter((f) => f.direction === 'toHost');
    assert.equal(toWorker.length, r.hostLog.sent.length);
    assert.equal(toHost.length, r.hostLog.received.length);
    assert.ok(
      frames.some((f) => f.redacted),
      'something was redacted',
    );
    for (const f of frames) {
      const text = f.bytes.toString('latin1');
      assert.ok(!text.includes('py-secret-'), `frame ${f.seq} (${f.kind}) still holds a secret`);
      const seen = (f.direction === 'toWorker' ? r.hostLog.sent : r.hostLog.received)[
        frames.filter((g) => g.direction === f.direction).indexOf(f)
      ]!;
      if (!f.redacted)
        assert.ok(
          f.bytes.equals(seen),
          `frame ${f.seq} (${f.kind}) is not flagged redacted but differs from the wire`,
        );
      else
        assert.ok(
          !f.bytes.equals(seen),
          `frame ${f.seq} (${f.kind}) is flagged redacted but equals the wire`,
        );
    }
  });
});

describe('a python grpcio worker that compresses what it sends (grpc-encoding: gzip)', {
  timeout: 120_000,
}, () => {
  let dir = '';
  let run: PythonHostRun | undefined;
  before(() => {
    assertPythonGrpc();
    dir = mkdtempSync(join(tmpdir(), 'functape-pygzip-'));
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  test('forwarding stays transparent through wrap', async (t) => {
    const script = { invocations: 6, concurrency: 3, functions: ['echo', 'log'], timeoutSec: 30 };
    const r = await runPythonHostSession('wrap', {
      dir,
      name: 'gzip',
      script,
      workerLogged: true,
      workerArgv: (log) => pythonWorkerArgv(log, ['--compression', 'gzip']),
    });
    assert.equal(r.host.code, 0, describeRun(r));
    assert.equal(r.summary.outcome, 'completed');
    assert.deepEqual(r.workerLog!.received, r.hostLog.sent);
    assert.deepEqual(r.hostLog.received, r.workerLog!.sent);
    const { frames } = readRecording(r.db!);
    assert.equal(
      frames.length,
      r.hostLog.sent.length + r.hostLog.received.length,
      'every message recorded once',
    );
    assert.ok(
      frames.some((f) => f.compressed),
      'some frames were compressed on the wire',
    );
    run = r;
  });

  test('the recording holds the messages, decodable', () => {
    assert.ok(run, 'the forwarding test must pass first');
    const { frames } = readRecording(run.db!);
    // Either design is fine: store the decompressed message, or the wire bytes flagged compressed.
    const message = (f: RecordedFrame) =>
      f.compressed && !f.bytes.equals(Buffer.alloc(0)) ? tryGunzip(f.bytes) : f.bytes;
    assert.deepEqual(
      frames.filter((f) => f.kind === 'unknown').map((f) => f.seq),
      [],
      'every frame decoded to its kind',
    );
    const logical = frames.map((f) => ({ ...f, bytes: message(f) }));
    assert.deepEqual(transparencyProblems(logical, { host: run.hostLog, worker: run.workerLog }), []);
  });
});

function tryGunzip(b: Buffer): Buffer {
  try {
    return gunzipSync(b);
  } catch {
    return b;
  }
}
