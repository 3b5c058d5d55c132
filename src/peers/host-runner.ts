import * as hdr from 'hdr-histogram-js';
import type { Duplex } from '../model/duplex.js';
import { buildHostArgs } from './host-args.js';
import {
  createHostScript,
  type HostEffect,
  type HostScript,
  type HostScriptConfig,
  type HostScriptState,
} from './host-script.js';
import type { HostOutcome, HostReport } from './host-report.js';
import type { SpawnedWorker } from './spawn-worker.js';

/** A Duplex as `wire/listenAsHost` gives it (peerEnded is optional so fakes may omit it). */
export type HostSideDuplex = Duplex & { peerEnded?: Promise<void> };

export interface HostRunOptions extends Omit<HostScriptConfig, 'workerId' | 'recordLatency'> {
  /** Where workers connect: a listener on 127.0.0.1 (wire/listenAsHost). */
  listener: { host: string; port: number; onStream(cb: (d: HostSideDuplex) => void): void };
  /** Start the worker with these host arguments appended. */
  startWorker(hostArgs: string[]): SpawnedWorker;
  /** How long the worker may take to open its stream (default 30 s). */
  startTimeoutMs?: number;
  /** How long the worker may stay silent while an answer is due (default 30 s). */
  answerTimeoutMs?: number;
  signal?: AbortSignal;
}

function waitOrTimeout<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), ms))),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Run the scripted host against one worker process: spawn it with fresh GUIDs, drive the
 * script over its stream, wait for it to exit, and report. Never throws for worker
 * misbehaviour: that is the report's outcome. The worker is always gone on return.
 */
export async function runHost(opts: HostRunOptions): Promise<HostReport> {
  const workerId = opts.newGuid();
  const requestId = opts.newGuid();
  const histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  });
  const script = createHostScript({
    ...opts,
    workerId,
    recordLatency: (_fn, ns) => histogram.recordValue(Math.max(1, Math.round(ns / 1000))),
  });
  const firstStream = acceptOneStream(opts.listener);
  const worker = opts.startWorker(
    buildHostArgs({ host: opts.listener.host, port: opts.listener.port, workerId, requestId }),
  );
  const run = { workerId, planned: opts.invocations };
  const started = await connected(firstStream, worker, opts.startTimeoutMs ?? 30_000);
  if (typeof started === 'string') {
    script.broke(started);
    worker.kill();
    return report(run, script.state(), histogram, await worker.exited, worker.tail());
  }
  const graceMs = (opts.terminateGraceSeconds ?? 5) * 1000;
  const onAbort = () => {
    script.broke('interrupted');
    started.cancel({ code: 1, details: 'host interrupted' });
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const ended = await driveScript(script, started, opts.answerTimeoutMs ?? 30_000);
  const stopped = await endStream(script, started, worker, ended, graceMs);
  await waitOrTimeout(started.done, 2000);
  const exit = await waitOrTimeout(worker.exited, graceMs + 5000);
  opts.signal?.removeEventListener('abort', onAbort);
  if (exit === 'timeout') {
    worker.kill();
    const killed = await worker.exited;
    const why = stopped ? undefined : 'the worker did not exit after WorkerTerminate (killed)';
    return report(run, script.state(), histogram, killed, worker.tail(), why, stopped);
  }
  return report(run, script.state(), histogram, exit, worker.tail(), undefined, stopped);
}

/** The first stream a worker opens; any later one is refused. */
function acceptOneStream(listener: HostRunOptions['listener']): Promise<HostSideDuplex> {
  let first: ((d: HostSideDuplex) => void) | undefined;
  const firstStream = new Promise<HostSideDuplex>((resolve) => (first = resolve));
  listener.onStream((d) => {
    if (first) {
      const f = first;
      first = undefined;
      f(d);
    } else {
      d.end({ code: 9, details: 'functape host accepts one stream per worker' });
    }
  });
  return firstStream;
}

/** The worker's stream, or why there is none (it exited first, or took too long). */
function connected(
  firstStream: Promise<HostSideDuplex>,
  worker: SpawnedWorker,
  startTimeoutMs: number,
): Promise<HostSideDuplex | string> {
  return Promise.race([
    firstStream,
    worker.exited.then(
      (e) => `the worker exited before connecting (${e.error ?? e.signal ?? `code ${e.code}`})`,
    ),
    new Promise<string>((r) =>
      setTimeout(
        () => r(`the worker did not connect within ${startTimeoutMs / 1000} s`),
        startTimeoutMs,
      ).unref(),
    ),
  ]);
}

type ScriptEnd = boolean | 'done';

/**
 * Feed the worker's messages to the script and carry out its effects, with a watchdog that
 * breaks the run when the worker stays silent for `answerMs`. Resolves when the script sent
 * WorkerTerminate (true: the worker handles it, false: it does not) or the stream ended ('done').
 */
async function driveScript(script: HostScript, duplex: HostSideDuplex, answerMs: number): Promise<ScriptEnd> {
  let terminated: ((graceful: boolean) => void) | undefined;
  const terminatedP = new Promise<boolean>((r) => (terminated = r));
  let watchdog: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(watchdog);
    watchdog = setTimeout(() => {
      const phase = script.state().phase;
      if (phase === 'terminated' || phase === 'aborted') return;
      script.broke(`the worker sent nothing for ${answerMs / 1000} s while in ${phase}`);
      duplex.cancel({ code: 4, details: 'worker stopped answering' });
    }, answerMs);
  };
  const apply = (effects: HostEffect[]) => {
    for (const e of effects) {
      if (e.type === 'send') duplex.send(e.bytes);
      else if (e.type === 'abort') duplex.end({ code: 9, details: e.problem });
      else terminated?.(e.graceful);
    }
  };
  arm();
  duplex.onMessage((bytes) => {
    arm();
    apply(script.receive(bytes));
  });
  const ended = await Promise.race([terminatedP, duplex.done.then(() => 'done' as const)]);
  clearTimeout(watchdog);
  return ended;
}

/**
 * The end: after WorkerTerminate, wait for the worker to half-close, then end the call OK;
 * without the capability, end the stream and stop the process (true: it was stopped);
 * a stream that ended first breaks the run.
 */
async function endStream(
  script: HostScript,
  duplex: HostSideDuplex,
  worker: SpawnedWorker,
  ended: ScriptEnd,
  graceMs: number,
): Promise<boolean> {
  if (ended === true) {
    const closed = await waitOrTimeout(
      Promise.race([duplex.peerEnded ?? worker.exited, worker.exited, duplex.done]),
      graceMs + 5000,
    );
    if (closed === 'timeout')
      script.broke(`the worker did not end its stream within ${graceMs / 1000 + 5} s of WorkerTerminate`);
    duplex.end();
    return false;
  }
  if (ended === false) {
    // No HandlesWorkerTerminateMessage: a host ends the stream and stops the process itself.
    duplex.end();
    if ((await waitOrTimeout(worker.exited, 1000)) !== 'timeout') return false;
    worker.kill('SIGTERM');
    return true;
  }
  const end = await duplex.done;
  script.broke(`the stream ended before WorkerTerminate: ${end.status.code} ${end.status.details}`);
  return false;
}

function report(
  run: { workerId: string; planned: number },
  st: HostScriptState,
  histogram: hdr.Histogram,
  exit: { code: number | null; signal: string | null },
  tail: string[],
  exitProblem?: string,
  stoppedByHost = false,
): HostReport {
  let outcome: HostOutcome = 'ok';
  let problem: string | undefined;
  if (st.broken) {
    outcome = 'broken';
    problem = st.broken;
  } else if (st.unexpected) {
    outcome = 'unexpected';
    problem = st.unexpected;
  }
  if (outcome !== 'broken' && (exitProblem || (exit.code !== 0 && !stoppedByHost))) {
    outcome = 'unexpected';
    problem ??= exitProblem ?? `the worker exited with ${exit.signal ?? `code ${exit.code}`}`;
  }
  const invokeMs =
    st.invokeStartNs !== undefined && st.invokeEndNs !== undefined
      ? Number(st.invokeEndNs - st.invokeStartNs) / 1e6
      : 0;
  const count = histogram.totalCount;
  const pct = (p: number) => (count ? histogram.getValueAtPercentile(p) / 1000 : 0);
  const r: HostReport = {
    outcome,
    phase: st.phase,
    workerId: run.workerId,
    workerCapabilities: st.workerCapabilities,
    workerMetadata: st.workerMetadata,
    functions: Object.keys(st.byFunction),
    invocations: {
      planned: run.planned,
      sent: st.sent,
      answered: st.answered,
      byFunction: st.byFunction,
      examples: st.examples,
    },
    logs: st.logs,
    messages: st.messages,
    statusEchoed: st.statusEchoed,
    statusSent: st.statusSent,
    invokeMs,
    perSecond: invokeMs > 0 ? st.answered / (invokeMs / 1000) : 0,
    latencyMs: {
      p50: pct(50),
      p90: pct(90),
      p99: pct(99),
      max: count ? histogram.maxValue / 1000 : 0,
      mean: count ? histogram.mean / 1000 : 0,
      count,
    },
    worker: { exitCode: exit.code, signal: exit.signal, stderrTail: tail },
  };
  if (problem) r.problem = problem;
  return r;
}
