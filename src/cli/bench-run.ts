import { describe } from '../codec/describe.js';
import { runBenchLoad, type BenchProgress, type BenchTarget } from '../load/bench-driver.js';
import { collectBenchSource } from '../load/bench-source.js';
import type { RedactRules } from '../codec/redact.js';
import { createSecretMask } from '../codec/secret-mask.js';
import { createBenchVerifier } from '../load/bench-verify.js';
import { readFirstMessage } from '../replay/first-message.js';
import { benchLoad } from '../load/load-plan.js';
import { meaningfulLines } from '../peers/meaningful-lines.js';
import { machineInfo } from '../load/machine-info.js';
import { createPacer, type LoadPlan } from '../load/pacer.js';
import type { Duplex } from '../model/duplex.js';
import type { BenchReport } from '../report/bench-report.js';
import { replayHostSetup } from '../replay/replay-host.js';
import type { ReplayFrame } from '../replay/replay-frame.js';
import { FUNCTAPE_VERSION } from '../version.js';
import { listenAsHost } from '../wire/grpc-peer.js';
import { startWorkerProcess, type WorkerProcess } from './bench-workers.js';
import { CliError } from './command.js';
import { NO_LIMIT_MS, timerMs } from './flag-values.js';

export interface BenchRunOptions {
  /** The recorded session, frames in seq order. */
  frames: readonly ReplayFrame[];
  source: { db: string; sessionId: number };
  /** Only these functions' invocations (empty: all). */
  functions: readonly string[];
  workerCommand: string;
  /** The workers' working directory (a host uses the function app's); default: ours. */
  cwd?: string;
  workers: number;
  plan: LoadPlan;
  verify: boolean;
  ignore?: readonly string[];
  /** The recording's redaction rules: setup and --verify compare and report redacted (default: built-in). */
  redact?: RedactRules | false;
  /** How long a worker may take to connect and finish the setup phase (0 = no limit). */
  startTimeoutMs: number;
  drainTimeoutMs: number;
  signal?: AbortSignal;
  onProgress?: (p: BenchProgress) => void;
  /** Told about each phase (starting workers, setup, load) for a live display. */
  onPhase?: (text: string) => void;
}

/**
 * One bench run, end to end: listen as a host on loopback, start the workers with host
 * arguments, play each one's setup phase from the recording (replay's `replayHostSetup`),
 * drive the load, then end the streams and stop the processes. Always stops what it
 * started. Throws CliError (exit 2) for unusable input and (exit 3) when a worker cannot
 * be started or set up.
 */
export async function runBench(o: BenchRunOptions): Promise<BenchReport> {
  let source;
  try {
    source = collectBenchSource(o.frames, o.functions);
  } catch (err) {
    throw new CliError(err instanceof Error ? err.message : String(err));
  }
  const startMs = timerMs(o.startTimeoutMs);
  const listener = await listenAsHost({ host: '127.0.0.1', port: 0 });
  const procs: WorkerProcess[] = [];
  const duplexes: Duplex[] = [];
  const setupNotes: string[] = [];
  try {
    o.onPhase?.(`starting ${o.workers} worker(s)`);
    const streams = acceptWorkerStreams(listener, startMs);
    for (let i = 0; i < o.workers; i++) {
      const host = { host: '127.0.0.1', port: listener.port };
      procs.push(startWorkerProcess(i, o.workerCommand, host, o.cwd !== undefined ? { cwd: o.cwd } : {}));
    }
    const targets: BenchTarget[] = await Promise.all(
      procs.map(async (p) => {
        const duplex = await connectWorker(p, streams, startMs, o.signal);
        duplexes.push(duplex);
        return setUpWorker(o, p, duplex, startMs, setupNotes);
      }),
    );
    o.onPhase?.('load');
    const run = await runBenchLoad({
      pacer: createPacer(o.plan),
      source,
      targets,
      drainTimeoutMs: o.drainTimeoutMs,
      workerCpu: () => procs.map((p) => p.cpuUs()),
      ...(o.verify
        ? { verify: createBenchVerifier(targets, o.ignore, createSecretMask(o.redact ?? {})) }
        : {}),
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    });
    const stderrNotes =
      run.stopReason !== 'worker-broke'
        ? []
        : procs.filter((p) => p.stderrTail()).map((p) => `worker #${p.index + 1} stderr: ${stderrGist(p)}`);
    return benchReport(o, source, run, [...setupNotes, ...stderrNotes]);
  } finally {
    for (const d of duplexes) d.end({ code: 0, details: 'OK' });
    await Promise.all(
      procs.map(async (p) => {
        await Promise.race([p.exited, sleep(1000)]);
        await p.stop(2000);
      }),
    );
    await listener.close(500);
  }
}

/** Streams the workers open, by the worker id of their first message (StartStream). */
interface WorkerStreams {
  waiting: Map<string, (d: Duplex) => void>;
  early: Map<string, Duplex>;
}

function acceptWorkerStreams(
  listener: Awaited<ReturnType<typeof listenAsHost>>,
  startMs: number,
): WorkerStreams {
  const streams: WorkerStreams = { waiting: new Map(), early: new Map() };
  listener.onStream((raw) => {
    void readFirstMessage(raw, startMs).then(({ first, duplex }) => {
      const workerId = first ? describe(first).workerId : undefined;
      if (workerId === undefined) return duplex.cancel();
      const w = streams.waiting.get(workerId);
      if (w) w(duplex);
      else streams.early.set(workerId, duplex);
    });
  });
  return streams;
}

/** The worker's stream, once it opened one (exit 3 if it exits first or takes too long; 130 on Ctrl-C). */
function connectWorker(
  p: WorkerProcess,
  streams: WorkerStreams,
  startMs: number,
  signal?: AbortSignal,
): Promise<Duplex> {
  return withTimeout(
    new Promise<Duplex>((resolve, reject) => {
      const got = streams.early.get(p.workerId);
      if (got) return resolve(got);
      streams.waiting.set(p.workerId, resolve);
      void p.exited.then((code) => reject(workerFailure(p, `exited (${code}) before opening its stream`)));
      signal?.addEventListener(
        'abort',
        () => reject(new CliError('interrupted while the workers were starting', 130)),
        { once: true },
      );
    }),
    startMs,
    () => workerFailure(p, `did not connect within ${startMs} ms`),
  );
}

/** Play the recorded setup to one worker; setup answers that differ become notes, missing ones exit 3. */
async function setUpWorker(
  o: BenchRunOptions,
  p: WorkerProcess,
  duplex: Duplex,
  startMs: number,
  setupNotes: string[],
): Promise<BenchTarget> {
  const setup = await withTimeout(
    replayHostSetup({
      frames: o.frames,
      duplex,
      workerId: p.workerId,
      requestId: p.requestId,
      pace: 'fast',
      answerTimeoutMs: startMs,
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.redact !== undefined ? { redact: o.redact } : {}),
    }),
    Math.min(startMs * 2, NO_LIMIT_MS),
    () => workerFailure(p, 'did not finish the setup phase'),
  );
  if (o.signal?.aborted) throw new CliError('interrupted while the workers were being set up', 130);
  if (setup.ended)
    throw workerFailure(
      p,
      `ended its stream during setup (${setup.ended.status.code} ${setup.ended.status.details})`,
    );
  const bad = setup.outcomes.filter((x) => x.status !== 'matched');
  if (bad.some((x) => x.status === 'missing'))
    throw workerFailure(p, `did not answer the setup (${bad.map((x) => x.kind).join(', ')})`);
  for (const x of bad) {
    const at = x.differences[0] ? ` at ${x.differences[0].path}` : '';
    setupNotes.push(`worker #${p.index + 1} setup: ${x.kind} ${x.status}${at}`);
  }
  return {
    duplex,
    workerId: p.workerId,
    pid: p.pid,
    liveFunctionId: setup.liveFunctionId,
    space: setup.space,
  };
}

function benchReport(
  o: BenchRunOptions,
  source: ReturnType<typeof collectBenchSource>,
  run: Awaited<ReturnType<typeof runBenchLoad>>,
  notes: string[],
): BenchReport {
  return {
    format: 'functape-bench',
    formatVersion: 1,
    functapeVersion: FUNCTAPE_VERSION,
    startedAt: new Date(run.startedAtWallMs).toISOString(),
    source: {
      db: o.source.db,
      sessionId: o.source.sessionId,
      templates: source.templates.length,
      cancelledLeftOut: source.cancelledLeftOut,
      workerCommand: o.workerCommand,
    },
    load: benchLoad(o.plan, o.workers),
    durationMs: Math.round(run.durationMs * 1000) / 1000,
    stopReason: run.stopReason,
    overall: run.overall,
    functions: run.functions,
    workers: run.workers,
    timeline: run.timeline,
    warmup: run.warmup,
    generator: run.generator,
    ...(run.verify ? { verify: run.verify } : {}),
    machine: machineInfo(),
    incidents: run.incidents,
    notes,
  };
}

function workerFailure(p: WorkerProcess, what: string): CliError {
  const gist = stderrGist(p);
  return new CliError(`worker #${p.index + 1} ${what}${gist ? `; its stderr ends with: ${gist}` : ''}`, 3);
}

/** Lines of a worker's stderr a bench error or note shows. */
const STDERR_LINES = 4;

/** The meaningful last lines of a worker's stderr, on one line (see `meaningfulLines`, as replay shows them). */
function stderrGist(p: WorkerProcess): string {
  return meaningfulLines(p.stderrTail().split('\n'), STDERR_LINES).join(' | ');
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(onTimeout()), ms))),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}
