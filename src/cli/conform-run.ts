import { randomUUID } from 'node:crypto';
import type { ConformResult, ScenarioInfo } from '../report/conform-report.js';
import { buildHostArgs } from '../peers/host-args.js';
import { spawnWorker, type SpawnedWorker } from '../peers/spawn-worker.js';
import {
  createConformRun,
  type ConformContext,
  type ConformEffects,
  type ConformRun,
  type Scenario,
  type TranscriptEntry,
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
  const drive = createDrive(run);
  const worker: SpawnedWorker = spawnWorker(
    opts.command,
    buildHostArgs({ host: '127.0.0.1', port: listener.port, workerId, requestId }),
    { cwd: opts.appDirectory },
  );
  listener.onStream((d) => attachStream(drive, d));
  void worker.exited.then((e) =>
    drive.apply(run.exited({ code: e.code, signal: e.signal ?? e.error ?? null }, drive.now())),
  );
  const giveUp = (why: string) => drive.apply({ send: [], verdict: run.abandon(why) });
  const stop = () => giveUp('interrupted');
  opts.signal.addEventListener('abort', stop, { once: true });
  const limit = setTimeout(
    () => giveUp(`the scenario did not end within ${opts.limitMs / 1000} s`),
    opts.limitMs,
  );
  drive.apply(run.start(drive.now()));
  const v = await drive.verdict;
  clearTimeout(limit);
  clearTimeout(drive.timer);
  opts.signal.removeEventListener('abort', stop);
  const durationMs = drive.now();
  const exitedAlready = await Promise.race([worker.exited, Promise.resolve(undefined)]);
  worker.kill();
  await worker.exited;
  drive.duplex?.cancel();
  await listener.close(500);
  const result: ConformResult = {
    scenario: opts.info,
    status: v.status,
    reason: v.reason,
    ...(v.step !== undefined ? { step: v.step } : {}),
    durationMs,
    connected: drive.duplex !== undefined,
  };
  if (exitedAlready) result.exit = { code: exitedAlready.code, signal: exitedAlready.signal };
  if (v.status === 'fail') {
    result.workerTail = worker.tail();
    result.messages = run.transcript();
  }
  const caps = advertised(run.transcript());
  return { result, frames: drive.frames, ...(caps ? { capabilities: caps } : {}) };
}

type VerdictOf = NonNullable<ConformEffects['verdict']>;

/**
 * The driver's named state: the worker's stream once it is open (sends before that are
 * queued), the poll timer, every message both ways with its time, the verdict once decided.
 */
interface Drive {
  readonly run: ConformRun;
  readonly frames: RunFrame[];
  readonly queued: Uint8Array[];
  readonly verdict: Promise<VerdictOf>;
  readonly now: () => number;
  apply(fx: ConformEffects): void;
  duplex?: PeerDuplex;
  timer?: NodeJS.Timeout;
}

function createDrive(run: ConformRun): Drive {
  const t0 = performance.now();
  let decided!: (v: VerdictOf) => void;
  const drive: Drive = {
    run,
    frames: [],
    queued: [],
    verdict: new Promise<VerdictOf>((r) => (decided = r)),
    now: () => performance.now() - t0,
    apply(fx) {
      for (const bytes of fx.send) drive.duplex ? send(drive, bytes) : drive.queued.push(bytes);
      if (fx.end === 'ok') drive.duplex?.end();
      if (fx.end === 'cancel')
        drive.duplex?.cancel({ code: 1, details: 'functape conform dropped the stream' });
      clearTimeout(drive.timer);
      if (fx.verdict) return decided(fx.verdict);
      if (fx.wakeAtMs !== undefined)
        drive.timer = setTimeout(
          () => drive.apply(run.poll(drive.now())),
          Math.max(0, fx.wakeAtMs - drive.now()) + 1,
        );
    },
  };
  return drive;
}

function send(drive: Drive, bytes: Uint8Array): void {
  drive.frames.push({ direction: 'toWorker', atMs: drive.now(), bytes });
  drive.duplex!.send(bytes);
}

/** The worker's first stream feeds the run; a second one is refused. */
function attachStream(drive: Drive, d: PeerDuplex): void {
  if (drive.duplex) return d.end({ code: 9, details: 'functape conform accepts one stream per worker' });
  drive.duplex = d;
  const { run, now } = drive;
  d.onMessage((bytes) => {
    drive.frames.push({ direction: 'toHost', atMs: now(), bytes });
    drive.apply(run.receive(bytes, now()));
  });
  void d.peerEnded.then(() => drive.apply(run.peerHalfClosed(now())));
  void d.done.then((end) => drive.apply(run.streamEnded(end.status, now())));
  for (const bytes of drive.queued.splice(0)) send(drive, bytes);
}

/** The capabilities of the first WorkerInitResponse of a run, sorted. */
function advertised(transcript: TranscriptEntry[]): string[] | undefined {
  const init = transcript.find((m) => m.kind === 'workerInitResponse')?.json as
    | { workerInitResponse?: { capabilities?: Record<string, string> } }
    | undefined;
  const caps = init?.workerInitResponse?.capabilities;
  return caps ? Object.keys(caps).sort() : undefined;
}
