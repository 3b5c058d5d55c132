// The Python grpcio peers (test/python/host.py, worker.py) as seen from the TypeScript
// tests: how to start them, read what they logged, and check that Debian's python3-grpcio
// is there at all (a clear failure, never a hang, when it is not).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openRecording } from '../../src/recording/open-recording.js';
import type { SessionInfo } from '../../src/model/session.js';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import {
  runProcess,
  startProcess,
  stopProcess,
  type ProcessResult,
  type RunningProcess,
} from './python-process.js';

export {
  runProcess,
  startProcess,
  stopProcess,
  type ProcessResult,
  type RunningProcess,
} from './python-process.js';

/** The repository root (this file runs as dist/test/helpers/python.js). */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const PY_DIR = join(REPO, 'test', 'python');
/** Debian's interpreter, where python3-grpcio lives (a pyenv `python3` on PATH has no grpc). */
export const PYTHON = process.env.FUNCTAPE_TEST_PYTHON ?? '/usr/bin/python3';
export const FUNCTAPE = [process.execPath, join(REPO, 'bin', 'functape')];

/** Why the Python peers cannot run here, or undefined when they can (imports and schema load). */
export function pythonGrpcProblem(): string | undefined {
  const probe = spawnSync(
    PYTHON,
    ['-c', 'import grpc, google.protobuf\nfrom schema import Schema\nSchema()'],
    {
      cwd: PY_DIR,
      env: { PYTHONDONTWRITEBYTECODE: '1', ...process.env },
      encoding: 'utf8',
      timeout: 30_000,
    },
  );
  if (probe.status === 0) return undefined;
  const why = probe.error
    ? probe.error.message
    : (probe.stderr.trim().split('\n').pop() ?? `exit ${probe.status ?? probe.signal}`);
  return (
    `the Python grpcio peers cannot run with ${PYTHON} (${why}). ` +
    "Install Debian's python3-grpcio, python3-protobuf and python3-grpc-tools: `sudo bash scripts/install-test-deps.sh` " +
    '(npm test runs it as pretest), or point FUNCTAPE_TEST_PYTHON at an interpreter that has them.'
  );
}

/** Throws with an actionable message when Python grpcio is missing; use in `before()`. */
export function assertPythonGrpc(): void {
  const problem = pythonGrpcProblem();
  if (problem) throw new Error(problem);
}

/** Quotes argv for the one-string worker commands (`--worker "CMD"`) that hosts split. */
export function shellJoin(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)).join(' ');
}

export function pythonWorkerArgv(log: string, extra: readonly string[] = []): string[] {
  return [PYTHON, join(PY_DIR, 'worker.py'), '--log', log, '--timeout', '60', ...extra];
}

export interface HostOptions {
  /** Worker command line (host args are appended); omit to connect a worker yourself. */
  worker?: string;
  log: string;
  invocations?: number;
  concurrency?: number;
  /** Function names used round-robin. */
  functions?: readonly string[];
  sleepMs?: number;
  cancelEvery?: number;
  envReload?: boolean;
  /** `CODE:DETAILS`: end the stream with that status after the invocations. */
  failWith?: string;
  /** The first invocation carries a body of this many MiB. */
  bigBodyMb?: number;
  /** Worker processes, each its own stream and session (logs go to LOG.0, LOG.1, ...). */
  workers?: number;
  /** Exit 9 at once (no clean close) once this many invocations were answered. */
  dieAfter?: number;
  argForm?: 'both' | 'functions' | 'short';
  workerId?: string;
  requestId?: string;
  cwd?: string;
  timeoutSec?: number;
}

export function pythonHostArgv(o: HostOptions): string[] {
  const argv = [PYTHON, join(PY_DIR, 'host.py'), '--log', o.log, '--timeout', String(o.timeoutSec ?? 60)];
  if (o.worker !== undefined) argv.push('--worker', o.worker);
  if (o.invocations !== undefined) argv.push('--invocations', String(o.invocations));
  if (o.concurrency !== undefined) argv.push('--concurrency', String(o.concurrency));
  if (o.functions) argv.push('--function', o.functions.join(','));
  if (o.sleepMs !== undefined) argv.push('--sleep-ms', String(o.sleepMs));
  if (o.cancelEvery) argv.push('--cancel-every', String(o.cancelEvery));
  if (o.envReload) argv.push('--env-reload');
  if (o.failWith) argv.push('--fail-with', o.failWith);
  if (o.bigBodyMb) argv.push('--big-body-mb', String(o.bigBodyMb));
  if (o.workers) argv.push('--workers', String(o.workers));
  if (o.dieAfter) argv.push('--die-after', String(o.dieAfter));
  if (o.argForm) argv.push('--arg-form', o.argForm);
  if (o.workerId) argv.push('--worker-id', o.workerId);
  if (o.requestId) argv.push('--request-id', o.requestId);
  if (o.cwd) argv.push('--app-dir', o.cwd);
  return argv;
}

/** What one Python peer saw (test/python/peer_log.py). */
export interface PeerLog {
  /** The exact bytes it handed to grpcio, in order. */
  sent: Buffer[];
  /** The exact bytes grpcio handed to it, in order. */
  received: Buffer[];
  sentKinds: string[];
  receivedKinds: string[];
  notes: Array<Record<string, unknown>>;
  /** The final summary line (absent when the peer died before writing it). */
  summary?: Record<string, any>;
}

export function readPeerLog(path: string): PeerLog {
  const log: PeerLog = { sent: [], received: [], sentKinds: [], receivedKinds: [], notes: [] };
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const o = JSON.parse(line) as Record<string, any>;
    if (o.event === 'sent' || o.event === 'received') {
      log[o.event as 'sent' | 'received'].push(Buffer.from(o.b64 as string, 'base64'));
      log[o.event === 'sent' ? 'sentKinds' : 'receivedKinds'].push(o.kind as string);
    } else if (o.event === 'note') log.notes.push(o);
    else if (o.event === 'summary') log.summary = o;
  }
  return log;
}

/** The host's summary, or a stand-in saying it is missing (a host that died prints none). */
function summaryOrMissing(result: ProcessResult): Record<string, any> {
  try {
    return hostSummary(result);
  } catch {
    return { missing: true };
  }
}

/** The host's final stdout line (its summary JSON), with a readable error otherwise. */
export function hostSummary(result: ProcessResult): Record<string, any> {
  const last = result.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as Record<string, any>;
  } catch {
    throw new Error(
      `python host printed no summary (exit ${result.code}, signal ${result.signal}, timedOut ${result.timedOut}); stdout: ${result.stdout}; stderr: ${result.stderr}`,
    );
  }
}

/** Message kinds as a sorted multiset: comparable across runs whose interleaving differs. */
export function kindCounts(kinds: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const k of [...kinds].sort()) counts[k] = (counts[k] ?? 0) + 1;
  return counts;
}

/** The arguments a host appends to its worker's command line (both forms, PROTOCOL.md). */
export function hostArgs(port: number, workerId: string, requestId: string, host = '127.0.0.1'): string[] {
  const max = '2147483647';
  return [
    '--host',
    host,
    '--port',
    String(port),
    '--workerId',
    workerId,
    '--requestId',
    requestId,
    '--grpcMaxMessageLength',
    max,
    '--functions-uri',
    `http://${host}:${port}/`,
    '--functions-worker-id',
    workerId,
    '--functions-request-id',
    requestId,
    '--functions-grpc-max-message-length',
    max,
  ];
}

/** Starts the Python host without a worker; resolves once it listens. */
export async function startPythonHost(
  o: Omit<HostOptions, 'worker'>,
): Promise<{ proc: RunningProcess; port: number }> {
  const proc = startProcess(pythonHostArgv(o), { timeoutMs: ((o.timeoutSec ?? 60) + 15) * 1000 });
  try {
    const m = await proc.line(/^listening on 127\.0\.0\.1:(\d+)$/);
    return { proc, port: Number(m[1]) };
  } catch (err) {
    proc.kill();
    await proc.done;
    throw err;
  }
}

/**
 * Starts `functape record` toward upstreamPort; resolves with the port it listens on. Stop
 * it with stopProcess (SIGTERM: it flushes and closes the database). Records with
 * `--redact off` (every byte as seen) unless `extra` says otherwise.
 */
export async function startRecord(
  db: string,
  upstreamPort: number,
  extra: readonly string[] = [],
): Promise<{ proc: RunningProcess; port: number }> {
  const argv = [
    ...FUNCTAPE,
    'record',
    '--listen',
    '127.0.0.1:0',
    '--upstream',
    `127.0.0.1:${upstreamPort}`,
    '--db',
    db,
    ...extra,
  ];
  if (!extra.includes('--redact')) argv.push('--redact', 'off');
  const proc = startProcess(argv, { timeoutMs: 120_000 });
  try {
    const m = await proc.line(/listening on [^\s:]+:(\d+)/);
    return { proc, port: Number(m[1]) };
  } catch (err) {
    proc.kill();
    await proc.done;
    throw err;
  }
}

/** One message of a recording. */
export interface RecordedFrame {
  session: number;
  seq: number;
  direction: 'toHost' | 'toWorker';
  kind: string;
  redacted: boolean;
  /** The gRPC compressed flag of the frame on the wire. */
  compressed: boolean;
  /** Why the bytes are not a StreamingMessage (kind is then `unknown`). */
  decodeError?: string;
  bytes: Buffer;
}

/** Every session and frame of a recording (frames in seq order per session), through the recording reader. */
export function readRecording(db: string): { sessions: SessionInfo[]; frames: RecordedFrame[] } {
  const rec = openRecording(db);
  try {
    const sessions = rec.sessions();
    const frames: RecordedFrame[] = [];
    for (const s of sessions) {
      for (const f of rec.frames(s.id)) {
        frames.push({
          session: f.sessionId,
          seq: f.seq,
          direction: f.direction,
          kind: f.kind,
          redacted: f.redacted,
          compressed: f.compressed,
          decodeError: f.decodeError,
          bytes: Buffer.from(f.bytes),
        });
      }
    }
    return { sessions, frames };
  } finally {
    rec.close();
  }
}

/**
 * Undefined when `actual` is exactly `expected` (same count, same bytes, same order);
 * otherwise a one-line description of the first difference.
 */
export function byteSequenceDifference(
  actual: readonly Uint8Array[],
  expected: readonly Uint8Array[],
  kinds: readonly string[] = [],
): string | undefined {
  const n = Math.min(actual.length, expected.length);
  for (let i = 0; i < n; i++) {
    if (!Buffer.from(actual[i]!).equals(Buffer.from(expected[i]!))) {
      return `message #${i} (${kinds[i] ?? '?'}) differs: ${actual[i]!.length} bytes vs ${expected[i]!.length} expected`;
    }
  }
  if (actual.length !== expected.length) {
    return `${actual.length} messages vs ${expected.length} expected (first extra/missing: #${n} ${kinds[n] ?? ''})`;
  }
  return undefined;
}

/**
 * Checks one recorded session against what the Python peers logged: the host's sent list
 * is exactly the session's toWorker frames and its received list the toHost frames (and
 * the reverse for the worker): every message once, same bytes, same order per direction.
 * Returns the problems (empty when transparent).
 */
export function transparencyProblems(
  frames: readonly RecordedFrame[],
  logs: { host?: PeerLog; worker?: PeerLog },
): string[] {
  const toWorker = frames.filter((f) => f.direction === 'toWorker');
  const toHost = frames.filter((f) => f.direction === 'toHost');
  const w = toWorker.map((f) => f.bytes);
  const h = toHost.map((f) => f.bytes);
  const checks: Array<[string, PeerLog | undefined, 'sent' | 'received', Buffer[], string[]]> = [
    ['host sent vs recorded toWorker', logs.host, 'sent', w, toWorker.map((f) => f.kind)],
    ['host received vs recorded toHost', logs.host, 'received', h, toHost.map((f) => f.kind)],
    ['worker sent vs recorded toHost', logs.worker, 'sent', h, toHost.map((f) => f.kind)],
    ['worker received vs recorded toWorker', logs.worker, 'received', w, toWorker.map((f) => f.kind)],
  ];
  const problems: string[] = [];
  for (const [what, log, side, recorded, kinds] of checks) {
    if (!log) continue;
    const d = byteSequenceDifference(log[side], recorded, kinds);
    if (d) problems.push(`${what}: ${d}`);
  }
  return problems;
}

/** What must not change when a proxy sits between the peers: counts, answers, outcomes and the
 * request metadata the host saw; not timing or ids. */
export function hostBehaviour(s: Record<string, any>): Record<string, unknown> {
  const keys = [
    'outcome',
    'error',
    'workerEnd',
    'workerExit',
    'workerCapabilities',
    'functions',
    'sent',
    'received',
    'invocations',
    'succeeded',
    'failed',
    'cancelled',
    'logs',
    'loadResponses',
    'statusResponses',
    'envReloads',
    'cancelsSent',
    'unexpected',
    'undecodable',
    'answers',
    'requestMetadata',
  ];
  return Object.fromEntries(keys.map((k) => [k, s[k]]));
}

/** The worker's summary minus its id, and minus the response headers it got (checked on their own). */
export function workerBehaviour(s: Record<string, any> | undefined): Record<string, unknown> {
  if (!s) return { summary: 'missing (the worker died before writing it)' };
  const { workerId: _w, initialMetadata: _m, ...rest } = s;
  return rest;
}

/** How the peers are connected: directly, through `functape record` (started by the test), or through `functape wrap`. */
export type Route = 'direct' | 'record' | 'wrap';

export interface PythonHostRun {
  route: Route;
  /** The Python host process (its exit, stdout, stderr). */
  host: ProcessResult;
  /** The host's summary (last stdout line); `{ missing: true }` when it died without one. */
  summary: Record<string, any>;
  hostLog: PeerLog;
  /** The worker's own log, when the worker keeps one (the Python worker does). */
  workerLog?: PeerLog;
  /** The worker process, when the test started it (route `record`). */
  worker?: ProcessResult;
  /** The record process after SIGTERM (route `record`). */
  record?: ProcessResult;
  /** The recording (routes `record` and `wrap`). */
  db?: string;
}

/**
 * Runs one Python-host session against a worker command (`workerArgv(logPath)`) along
 * `route`, in `dir` with file names prefixed by `name`. Everything it starts has ended
 * when it resolves (or rejects).
 */
export async function runPythonHostSession(
  route: Route,
  o: {
    dir: string;
    name: string;
    script: Omit<HostOptions, 'log' | 'worker'>;
    workerArgv: (log: string) => string[];
    workerLogged: boolean;
    /** functape's --redact (default off: the recording must hold every byte as seen). */
    redact?: 'on' | 'off';
  },
): Promise<PythonHostRun> {
  const hostLogPath = join(o.dir, `${o.name}-${route}-host.ndjson`);
  const workerLogPath = join(o.dir, `${o.name}-${route}-worker.ndjson`);
  const db = route === 'direct' ? undefined : join(o.dir, `${o.name}-${route}.db`);
  const workerLog = () =>
    o.workerLogged && existsSync(workerLogPath) ? readPeerLog(workerLogPath) : undefined;
  const timeoutMs = ((o.script.timeoutSec ?? 60) + 30) * 1000;
  if (route !== 'record') {
    const argv =
      route === 'wrap'
        ? [
            ...FUNCTAPE,
            'wrap',
            '--db',
            db!,
            '--redact',
            o.redact ?? 'off',
            '--',
            ...o.workerArgv(workerLogPath),
          ]
        : o.workerArgv(workerLogPath);
    const host = await runProcess(
      pythonHostArgv({ ...o.script, worker: shellJoin(argv), log: hostLogPath }),
      { timeoutMs },
    );
    return {
      route,
      host,
      summary: summaryOrMissing(host),
      hostLog: readPeerLog(hostLogPath),
      workerLog: workerLog(),
      db,
    };
  }
  const workerId = o.script.workerId ?? crypto.randomUUID();
  const requestId = o.script.requestId ?? crypto.randomUUID();
  const host = await startPythonHost({ ...o.script, log: hostLogPath, workerId, requestId });
  let record: { proc: RunningProcess; port: number } | undefined;
  let worker: RunningProcess | undefined;
  try {
    record = await startRecord(db!, host.port, ['--redact', o.redact ?? 'off']);
    worker = startProcess([...o.workerArgv(workerLogPath), ...hostArgs(record.port, workerId, requestId)], {
      timeoutMs,
    });
    const [w, h] = await Promise.all([worker.done, host.proc.done]);
    const r = await stopProcess(record.proc);
    // The host did not start this worker; report its exit where a spawning host would.
    const summary = { ...summaryOrMissing(h), workerExit: w.code };
    return {
      route,
      host: h,
      summary,
      hostLog: readPeerLog(hostLogPath),
      workerLog: workerLog(),
      worker: w,
      record: r,
      db,
    };
  } finally {
    for (const p of [worker, record?.proc, host.proc]) p?.kill();
    await Promise.all([worker?.done, record?.proc.done, host.proc.done]);
  }
}

/** A readable account of a run, for assertion messages. */
export function describeRun(run: PythonHostRun): string {
  return (
    `${run.route} run: host exit ${run.host.code}${run.host.timedOut ? ' (timed out)' : ''}; stderr: ${run.host.stderr.slice(-2000)}` +
    (run.worker ? `; worker exit ${run.worker.code}, stderr: ${run.worker.stderr.slice(-1000)}` : '') +
    (run.record
      ? `; record exit ${run.record.code}/${run.record.signal}, stderr: ${run.record.stderr.slice(-1000)}`
      : '')
  );
}

/**
 * Asserts that a proxied run was transparent: the recording holds one session whose
 * frames are exactly what the Python peer(s) sent and received (once, same bytes, same
 * order per direction), and the peers behaved as in the direct run (same exit codes,
 * counts, statuses, final stream status, message kinds).
 */
export async function assertTransparentRun(run: PythonHostRun, direct: PythonHostRun): Promise<void> {
  assert.equal(
    run.host.code,
    direct.host.code,
    `host exit code differs from the direct run; ${describeRun(run)}`,
  );
  if (run.worker) assert.equal(run.worker.code, 0, `worker exit; ${describeRun(run)}`);
  if (run.record)
    assert.ok(
      !run.record.timedOut && run.record.signal === null,
      `record did not stop cleanly on SIGTERM; ${describeRun(run)}`,
    );
  const { sessions, frames } = readRecording(run.db!);
  assert.equal(sessions.length, 1, `one session expected, got ${sessions.length}`);
  assert.deepEqual(
    frames.filter((f) => f.redacted).map((f) => f.kind),
    [],
    'recorded with --redact off: no frame rewritten',
  );
  assert.equal(new Set(frames.map((f) => f.session)).size, 1, 'all frames belong to the one session');
  assert.deepEqual(
    frames.map((f) => f.seq),
    frames.map((_, i) => i),
    'seq numbers 0..n-1 without gaps',
  );
  assert.deepEqual(transparencyProblems(frames, { host: run.hostLog, worker: run.workerLog }), []);
  assert.equal(
    frames.length,
    run.hostLog.sent.length + run.hostLog.received.length,
    'nothing recorded that the host did not see',
  );
  const session = sessions[0]!;
  assert.equal(session.workerId, run.summary.workerId, 'the session names the worker id');
  assert.deepEqual(
    [session.counts.toHost, session.counts.toWorker],
    [run.hostLog.received.length, run.hostLog.sent.length],
    'session counts',
  );
  assert.equal(session.end?.status?.code, 0, `session ended with status OK: ${showJson(session.end)}`);
  if (run.summary.outcome === 'completed') {
    assert.deepEqual(
      session.end?.status?.metadata?.['x-host-trailer'],
      ['done'],
      `the host's trailers are recorded: ${showJson(session.end)}`,
    );
  }
  assert.deepEqual(
    hostBehaviour(run.summary),
    hostBehaviour(direct.summary),
    'host behaviour as when direct',
  );
  assert.deepEqual(
    kindCounts(run.hostLog.receivedKinds),
    kindCounts(direct.hostLog.receivedKinds),
    'host received the same kinds',
  );
  assert.deepEqual(
    kindCounts(run.hostLog.sentKinds),
    kindCounts(direct.hostLog.sentKinds),
    'host sent the same kinds',
  );
  if (direct.workerLog) {
    assert.ok(run.workerLog, `the worker left no log (it never started?); ${describeRun(run)}`);
    assert.deepEqual(
      workerBehaviour(run.workerLog?.summary),
      workerBehaviour(direct.workerLog?.summary),
      'worker behaviour as when direct',
    );
    assert.deepEqual(
      kindCounts(run.workerLog!.receivedKinds),
      kindCounts(direct.workerLog!.receivedKinds),
      'worker received the same kinds',
    );
  }
}

/** JSON for assertion messages (bigints as strings). */
export function showJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

export interface FunctapeHostRun {
  route: Route;
  /** `functape host` (its stdout is the --json report). */
  host: ProcessResult;
  report: Record<string, any>;
  workerLog?: PeerLog;
  db?: string;
}

/**
 * Runs `functape host --json ...hostFlags` against the Python worker along `route`: directly,
 * through `functape wrap`, or through `functape record` put in place by the independent
 * launcher shim test/python/via_record.py.
 */
export async function runFunctapeHostSession(
  route: Route,
  o: {
    dir: string;
    name: string;
    hostFlags: readonly string[];
    workerExtra?: readonly string[];
    timeoutMs?: number;
  },
): Promise<FunctapeHostRun> {
  const workerLogPath = join(o.dir, `${o.name}-${route}-worker.ndjson`);
  const db = route === 'direct' ? undefined : join(o.dir, `${o.name}-${route}.db`);
  const worker = pythonWorkerArgv(workerLogPath, o.workerExtra);
  const argv =
    route === 'direct'
      ? worker
      : route === 'wrap'
        ? [...FUNCTAPE, 'wrap', '--db', db!, '--redact', 'off', '--', ...worker]
        : [
            PYTHON,
            join(PY_DIR, 'via_record.py'),
            '--functape',
            shellJoin(FUNCTAPE),
            '--db',
            db!,
            '--redact',
            'off',
            '--',
            ...worker,
          ];
  const host = await runProcess(
    [...FUNCTAPE, 'host', '--json', '--worker', shellJoin(argv), ...o.hostFlags],
    {
      timeoutMs: o.timeoutMs ?? 90_000,
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    },
  );
  let report: Record<string, any>;
  try {
    report = JSON.parse(host.stdout) as Record<string, any>;
  } catch {
    throw new Error(
      `functape host --json printed no JSON report (exit ${host.code}, timedOut ${host.timedOut}); stdout: ${host.stdout.slice(-2000)}; stderr: ${host.stderr.slice(-2000)}`,
    );
  }
  return {
    route,
    host,
    report,
    workerLog: existsSync(workerLogPath) ? readPeerLog(workerLogPath) : undefined,
    db,
  };
}
