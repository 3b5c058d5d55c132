import { randomUUID } from 'node:crypto';
import type { RedactRules } from '../codec/redact.js';
import { createSecretMask } from '../codec/secret-mask.js';
import type { Duplex, DuplexEnd } from '../model/duplex.js';
import type { Direction } from '../model/frame.js';
import { tallyOutcomes, type ReplayOutcome, type ReplayReport } from '../report/replay-report.js';
import { directoryMove, recordedAppDirectory } from './app-directory.js';
import { planSession, type CausalPlan } from './causal-plan.js';
import { createWaker, warmWaker } from './event-loop.js';
import { createHostEngine, type HostEngine, type HostEngineOptions } from './host-engine.js';
import { createHostRun, drive, endStream, pendingVerdict, watchDuplex } from './host-drive.js';
import { warmHostEngine } from './warm-host-engine.js';
import { createHeapSettler } from './settle-heap.js';
import type { IdMap } from './id-map.js';
import type { RecordedSpace } from './recorded-space.js';
import { compileIgnores, DEFAULT_IGNORES } from './ignore-paths.js';
import { DEFAULT_PACE, formatPace, parsePace, type Pace } from './pace.js';
import { messageFrames, type ReplayFrame } from './replay-frame.js';
import { applyFaults } from './faults/apply-faults.js';
import { startStalls } from './faults/fault-driver.js';
import type { HostFault } from './faults/fault-spec.js';
import { createFaultState, faultReport, type FaultState } from './faults/fault-state.js';

export interface ReplayHostOptions {
  /** The recorded session's frames in seq order (e.g. `recording.frames(sessionId)`). */
  frames: Iterable<ReplayFrame>;
  /** The live worker's EventStream, functape playing the host (e.g. from `listenAsHost().onStream`). */
  duplex: Duplex;
  /** The worker id and startup request id the live worker was started with (its host args). */
  workerId: string;
  requestId: string;
  /** `recorded` (default), `fast`, `<N>x`, or a parsed Pace. */
  pace?: Pace | string;
  /**
   * Most invocations in flight at once (released and unfinished). Default: the recording's
   * own peak, so `fast` keeps the recorded load shape instead of sending everything at once;
   * 0: no limit.
   */
  maxInFlight?: number;
  /** Send host messages in recorded order (see PlanOptions.inOrder); default: by causality only. */
  inOrder?: boolean;
  /** How long each answer may take after the message it answers was sent (default 10 000 ms). */
  answerTimeoutMs?: number;
  /** Extra proto3 JSON paths to leave out of the diff (`*`, `**` wildcards). */
  ignore?: readonly string[];
  /** Apply DEFAULT_IGNORES (worker metadata, stack traces); default true. */
  defaultIgnores?: boolean;
  /**
   * The redaction rules the recording was made with (default: the built-in ones; `false`:
   * none): messages are compared and reported redacted by them (codec/secret-mask.ts).
   */
  redact?: RedactRules | false;
  /**
   * The function app directory of the live worker. When given (and different from the
   * recorded one), host messages name it instead of the recorded directory, and answers
   * that mention it are compared as if they named the recorded one.
   */
  appDirectory?: string;
  /** Names the recorded session in the report. */
  session?: { id?: number; label?: string };
  /** Stop early: pending answers become missing and the stream is cancelled. */
  signal?: AbortSignal;
  /** Sees every live message, both directions, in order (for `--record`). */
  onTraffic?: (direction: Direction, bytes: Uint8Array) => void;
  /**
   * Faults to inject (replay/faults/fault-spec.ts; parse with `parseHostFault`), applied in
   * order with a PRNG seeded by `seed` (default 0): the same seed gives the same schedule.
   * The report lists every injected fault and judges answers by the fault verdict rules.
   */
  faults?: readonly HostFault[];
  seed?: number;
  /** Monotonic ms clock and id generator (injected in tests). */
  now?: () => number;
  newId?: () => string;
}

/**
 * How long before a paced message is due the engine builds it (id rewriting, protobuf
 * encoding): longer than a coarse timer's error (~2 ms), so the build never delays the send.
 */
const PREPARE_AHEAD_MS = 3;

/**
 * The setup phase of a host replay, done: StartStream received, init, metadata, reloads,
 * warmup and function loads played as recorded (up to the first other host message: an
 * invocation, status request or terminate) and their answers compared. What bench needs to
 * drive invocations of its own: the live id of each recorded function, and the duplex is
 * still open. To take the stream over, call `duplex.onMessage(yourHandler)`.
 */
export interface HostSetup {
  /** recorded function id → the id the live worker knows the function by. */
  liveFunctionId(recordedFunctionId: string): string;
  readonly ids: IdMap;
  /** How `bench --verify` maps this stream's answers back to the recording, as the replay does. */
  readonly space: RecordedSpace;
  readonly plan: CausalPlan;
  /** Outcomes of the setup answers (StartStream, init, metadata, loads). */
  readonly outcomes: ReplayOutcome[];
  /** Set when the stream already ended during setup (the worker broke it). */
  readonly ended?: DuplexEnd;
  /** Play the rest of the recording (invocations, cancels, status, terminate) and report. */
  replayRest(): Promise<ReplayReport>;
}

/**
 * Play the recorded host side toward a live worker, by causality (see `planSession`),
 * compare every answer with its recorded counterpart, and return the report. Never throws
 * for what the worker does: a broken stream is `report.stream.broken`.
 */
export async function replayHost(options: ReplayHostOptions): Promise<ReplayReport> {
  const setup = await replayHostSetup(options);
  return setup.replayRest();
}

/** What a host replay runs with, resolved from its options once. */
interface HostConfig {
  readonly now: () => number;
  readonly pace: Pace;
  readonly answerTimeoutMs: number;
  readonly frames: ReplayFrame[];
  readonly plan: CausalPlan;
  readonly faults: FaultState | undefined;
  readonly maxInFlight: number;
  readonly engineOptions: HostEngineOptions;
}

/** Resolve the options' defaults, plan the session and apply any faults to the plan. */
function resolveHostConfig(options: ReplayHostOptions, now: () => number): HostConfig {
  const pace = typeof options.pace === 'string' ? parsePace(options.pace) : (options.pace ?? DEFAULT_PACE);
  const answerTimeoutMs = options.answerTimeoutMs ?? 10_000;
  const frames = messageFrames(options.frames);
  const recordedPlan = planSession(frames, { inOrder: options.inOrder ?? false });
  const faults: FaultState | undefined = options.faults?.length
    ? createFaultState(applyFaults(recordedPlan, options.faults, options.seed ?? 0))
    : undefined;
  const plan = faults?.schedule.plan ?? recordedPlan;
  const directory = directoryMove(recordedAppDirectory(frames), options.appDirectory);
  const maxInFlight = options.maxInFlight ?? Math.max(1, plan.peakInFlight);
  const ignore = compileIgnores([
    ...(options.defaultIgnores === false ? [] : DEFAULT_IGNORES),
    ...(options.ignore ?? []),
  ]);
  const engineOptions: HostEngineOptions = {
    pace,
    answerTimeoutMs,
    ignore,
    secrets: createSecretMask(options.redact ?? {}),
    workerId: options.workerId,
    requestId: options.requestId,
    newId: options.newId ?? randomUUID,
    ...(directory ? { directory } : {}),
    maxInFlight,
    // Paced messages are built ahead, so the due instant only sends (see PREPARE_AHEAD_MS).
    prepareAheadMs: pace.mode === 'fast' ? 0 : PREPARE_AHEAD_MS,
    ...(faults ? { faults } : {}),
  };
  return { now, pace, answerTimeoutMs, frames, plan, faults, maxInFlight, engineOptions };
}

/**
 * Paced replays: compile the engine's and waker's paths now, not on the first timed
 * messages, and collect the start-up heap before the timeline rather than during it;
 * later, young-generation GCs run while the replay sleeps, not just before a send
 * (see settle-heap.ts). The idle clock is real time: the settler's spacing is about the heap.
 * Returns the waker's idle hook (undefined for `fast`).
 */
function warmForPacing(config: HostConfig): (() => void) | undefined {
  if (config.pace.mode === 'fast') return undefined;
  const heap = createHeapSettler();
  warmHostEngine(config.frames, config.engineOptions);
  warmWaker(config.now);
  heap.settle();
  return () => heap.idle(performance.now());
}

/** Run only the setup phase of `replayHost` (used by bench); `replayRest()` continues it. */
export async function replayHostSetup(options: ReplayHostOptions): Promise<HostSetup> {
  const now = options.now ?? (() => performance.now());
  const startedAtMs = Date.now();
  const t0 = now();
  const config = resolveHostConfig(options, now);
  const { plan, faults } = config;
  const idle = warmForPacing(config);
  const engine: HostEngine = createHostEngine(plan, config.engineOptions);
  const { duplex, signal, onTraffic } = options;
  const waker = createWaker(now, signal, undefined, idle);
  const run = createHostRun({ engine, duplex, waker, now, signal, onTraffic, faults });
  watchDuplex(run);
  const stopStalls = faults ? startStalls(duplex, faults, () => run.liveSent) : () => {};

  engine.setLimit(engine.setupEnd);
  const setupResult = await drive(run);

  async function replayRest(): Promise<ReplayReport> {
    let result = setupResult;
    if (result === 'done') {
      engine.setLimit(Number.POSITIVE_INFINITY);
      result = await drive(run);
    }
    stopStalls();
    const stream = await endStream(run, plan, result, config.answerTimeoutMs);
    const { why, pending } = pendingVerdict(result, stream);
    const outcomes = engine.finish(now(), why, pending);
    return {
      played: 'host',
      session: options.session ?? {},
      pace: formatPace(config.pace),
      ...(config.maxInFlight > 0 ? { maxInFlight: config.maxInFlight } : {}),
      startedAtMs,
      durationMs: now() - t0,
      sent: engine.sent,
      outcomes,
      counts: tallyOutcomes(outcomes),
      stream,
      ...(result === 'aborted' ? { interrupted: true } : {}),
      ...(faults && options.faults
        ? { faults: faultReport(options.faults, options.seed ?? 0, faults.injected, faults.stuck) }
        : {}),
    };
  }

  return {
    liveFunctionId: (id) => engine.ids.toLive(id) ?? id,
    ids: engine.ids,
    space: engine.space,
    plan,
    outcomes: engine.resolved(),
    ...(run.ended ? { ended: run.ended } : {}),
    replayRest,
  };
}
