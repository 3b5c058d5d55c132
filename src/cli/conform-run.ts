import { randomUUID } from 'node:crypto';
import type { ConformResult, ScenarioInfo } from '../report/conform-report.js';
import { buildHostArgs } from '../peers/host-args.js';
import { spawnWorker, type SpawnedWorker } from '../peers/spawn-worker.js';
import {
  createConformRun,
  type ConformContext,
  type ConformEffects,
  type Scenario,
} from '../replay/conform/index.js';
import { listenAsHost, type PeerDuplex } from '../wire/grpc-peer.js';

/** One message of a run as it crossed the stream, for `--record-failures`. */
export interface RunFrame {
  direction: 'toHost' | 'toWorker';
  atMs: number;
  bytes: Uint8Array;
}

export interface ScenarioRunOptions {
  scenario: Scenario;
  info: ScenarioInfo;
  command: string[];
  appDirectory: string;
  context: Omit<ConformContext, 'workerId' | 'requestId' | 'appDirectory' | 'newGuid'>;
  /** Longest a scenario may take before it fails as stuck (ms). */
  limitMs: number;
  signal: AbortSignal;
}

export interface ScenarioRun {
  result: ConformResult;
  frames: RunFrame[];
  /** The worker's advertised capabilities, when it answered init. */
  capabilities?: string[];
}

/**
 * Run one scenario against a fresh worker process: listen as a host on 127.0.0.1 (port 0),
 * start the worker with the host arguments in the app directory, feed the engine the
 * stream's messages and the process's events, carry out its effects. The worker and the
 * listener are gone on return; never throws for worker misbehaviour (that is the verdict).
 */
export async function runScenario(opts: ScenarioRunOptions): Promise<ScenarioRun> {
  const listener = await listenAsHost({ host: '127.0.0.1', port: 0 });
  const [workerId, requestId] = [randomUUID(), randomUUID()];
  const run = createConformRun(opts.scenario, {
    ...opts.context,
    workerId,
    requestId,
    appDirectory: opts.appDirectory,
    newGuid: randomUUID,
  });
  const frames: RunFrame[] = [];
  const t0 = performance.now();
  const now = () => performance.now() - t0;
  let duplex: PeerDuplex | undefined;
  const queued: Uint8Array[] = [];
  let timer: NodeJS.Timeout | undefined;
  let connected = false;
  let decided!: (v: NonNullable<ConformEffects['verdict']>) => void;
  const verdict = new Promise<NonNullable<ConformEffects['verdict']>>((r) => (decided = r));
  const send = (bytes: Uint8Array) => {
    frames.push({ direction: 'toWorker', atMs: now(), bytes });
    duplex!.send(bytes);
  };
  const apply = (fx: ConformEffects) => {
    for (const bytes of fx.send) duplex ? send(bytes) : queued.push(bytes);
    if (fx.end === 'ok') duplex?.end();
    if (fx.end === 'cancel') duplex?.cancel({ code: 1, details: 'functape conform dropped the stream' });
    clearTimeout(timer);
    if (fx.verdict) return decided(fx.verdict);
    if (fx.wakeAtMs !== undefined)
      timer = setTimeout(() => apply(run.poll(now())), Math.max(0, fx.wakeAtMs - now()) + 1);
  };
  const worker: SpawnedWorker = spawnWorker(
    opts.command,
    buildHostArgs({ host: '127.0.0.1', port: listener.port, workerId, requestId }),
    { cwd: opts.appDirectory },
  );
  listener.onStream((d) => {
    if (duplex) return d.end({ code: 9, details: 'functape conform accepts one stream per worker' });
    duplex = d;
    connected = true;
    d.onMessage((bytes) => {
      frames.push({ direction: 'toHost', atMs: now(), bytes });
      apply(run.receive(bytes, now()));
    });
    void d.peerEnded.then(() => apply(run.peerHalfClosed(now())));
    void d.done.then((end) => apply(run.streamEnded(end.status, now())));
    for (const bytes of queued.splice(0)) send(bytes);
  });
  void worker.exited.then((e) =>
    apply(run.exited({ code: e.code, signal: e.signal ?? e.error ?? null }, now())),
  );
  const stop = () => apply({ send: [], verdict: run.abandon('interrupted') });
  opts.signal.addEventListener('abort', stop, { once: true });
  const limit = setTimeout(
    () =>
      apply({ send: [], verdict: run.abandon(`the scenario did not end within ${opts.limitMs / 1000} s`) }),
    opts.limitMs,
  );
  apply(run.start(now()));
  const v = await verdict;
  clearTimeout(limit);
  clearTimeout(timer);
  opts.signal.removeEventListener('abort', stop);
  const durationMs = now();
  const exitedAlready = await Promise.race([worker.exited, Promise.resolve(undefined)]);
  worker.kill();
  await worker.exited;
  duplex?.cancel();
  await listener.close(500);
  const transcript = run.transcript();
  const init = transcript.find((m) => m.kind === 'workerInitResponse')?.json as
    | { workerInitResponse?: { capabilities?: Record<string, string> } }
    | undefined;
  const result: ConformResult = {
    scenario: opts.info,
    status: v.status,
    reason: v.reason,
    ...(v.step !== undefined ? { step: v.step } : {}),
    durationMs,
    connected,
  };
  if (exitedAlready) result.exit = { code: exitedAlready.code, signal: exitedAlready.signal };
  if (v.status === 'fail') {
    result.workerTail = worker.tail();
    result.messages = transcript;
  }
  const caps = init?.workerInitResponse?.capabilities;
  return { result, frames, ...(caps ? { capabilities: Object.keys(caps).sort() } : {}) };
}
