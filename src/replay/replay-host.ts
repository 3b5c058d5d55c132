import { randomUUID } from 'node:crypto';
import type { RedactRules } from '../codec/redact.js';
import { createSecretMask } from '../codec/secret-mask.js';
import type { Duplex, DuplexEnd } from '../model/duplex.js';
import type { Direction } from '../model/frame.js';
import {
  tallyOutcomes,
  type ReplayOutcome,
  type ReplayReport,
  type ReplayStreamEnd,
} from '../report/replay-report.js';
import { directoryMove, recordedAppDirectory } from './app-directory.js';
import { planSession, type CausalPlan } from './causal-plan.js';
import { createWaker, warmWaker } from './event-loop.js';
import { createHostEngine, type HostEngine } from './host-engine.js';
import { warmHostEngine } from './warm-host-engine.js';
import { createHeapSettler } from './settle-heap.js';
import type { IdMap } from './id-map.js';
import type { RecordedSpace } from './recorded-space.js';
import { compileIgnores, DEFAULT_IGNORES } from './ignore-paths.js';
import { DEFAULT_PACE, formatPace, parsePace, type Pace } from './pace.js';
import { messageFrames, type ReplayFrame } from './replay-frame.js';
import { applyFaults } from './faults/apply-faults.js';
import { breakStream, startStalls } from './faults/fault-driver.js';
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

/** Run only the setup phase of `replayHost` (used by bench); `replayRest()` continues it. */
export async function replayHostSetup(options: ReplayHostOptions): Promise<HostSetup> {
  const now = options.now ?? (() => performance.now());
  const startedAtMs = Date.now();
  const t0 = now();
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
  const engineOptions = {
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
  // Paced replays: compile the engine's and waker's paths now, not on the first timed
  // messages, and collect the start-up heap before the timeline rather than during it;
  // later, young-generation GCs run while the replay sleeps, not just before a send
  // (see settle-heap.ts). The idle clock is real time: the settler's spacing is about the heap.
  const heap = pace.mode !== 'fast' ? createHeapSettler() : undefined;
  if (heap) {
    warmHostEngine(frames, engineOptions);
    warmWaker(now);
    heap.settle();
  }
  const engine: HostEngine = createHostEngine(plan, engineOptions);
  const { duplex, signal, onTraffic } = options;
  const waker = createWaker(now, signal, undefined, heap ? () => heap.idle(performance.now()) : undefined);
  let ended: DuplexEnd | undefined;
  let peerHalfClosed = false;
  duplex.onMessage((bytes) => {
    onTraffic?.('toHost', bytes);
    engine.receive(bytes, now());
    waker.kick();
  });
  void duplex.done.then((end) => {
    ended = end;
    waker.kick();
  });
  const peerEnded = (duplex as Partial<{ peerEnded: Promise<void> }>).peerEnded;
  void peerEnded?.then(() => {
    peerHalfClosed = true;
    waker.kick();
  });

  let liveSent = 0;
  const breakAfter = faults?.schedule.breakAfter;
  const stopStalls = faults ? startStalls(duplex, faults, () => liveSent) : () => {};
  /** Poll and send until the engine is done, the stream ends, a break fault ends it or the signal aborts. */
  async function drive(): Promise<'done' | 'ended' | 'aborted' | 'broken'> {
    engine.start(now());
    for (;;) {
      if (signal?.aborted) return 'aborted';
      const p = engine.poll(now());
      for (const bytes of p.send) {
        onTraffic?.('toWorker', bytes);
        if (!duplex.send(bytes) && !ended) await Promise.race([duplex.drained(), duplex.done]);
        if (++liveSent === breakAfter && faults) {
          breakStream(duplex, faults, liveSent);
          return 'broken';
        }
      }
      if (p.done) return 'done';
      if (ended || peerHalfClosed) return 'ended';
      // Nothing due, nothing awaited: a faulted schedule that can no longer move (never a worker's doing).
      if (faults && p.send.length === 0 && p.sendAtMs === undefined && p.wakeAtMs === undefined) {
        faults.stuck = true;
        return 'done';
      }
      if (p.send.length === 0) await waker.wait(p.sendAtMs, p.wakeAtMs);
    }
  }

  engine.setLimit(engine.setupEnd);
  const setupResult = await drive();

  const terminateSent = () =>
    plan.steps.some((s) => s.frame.kind === 'workerTerminate' && engine.hasSent(s.frame.seq));

  async function replayRest(): Promise<ReplayReport> {
    let result = setupResult;
    if (result === 'done') {
      engine.setLimit(Number.POSITIVE_INFINITY);
      result = await drive();
    }
    stopStalls();
    const stream: ReplayStreamEnd = { broken: false };
    if (result === 'broken') {
      stream.detail = `functape broke the stream after ${breakAfter} host messages (fault break@${breakAfter})`;
      await waitFor(duplex.done, 2000);
    } else if (result === 'done') {
      // A worker told to terminate ends its stream itself; otherwise the host ends the call.
      if (terminateSent() && !ended && !peerHalfClosed)
        await waitFor(Promise.race([duplex.done, peerEnded ?? duplex.done]), answerTimeoutMs);
      if (!ended) duplex.end({ code: 0, details: 'OK' });
      await waitFor(duplex.done, 2000);
    } else if (result === 'aborted') {
      stream.detail = 'replay interrupted';
      duplex.cancel();
    } else if (!terminateSent()) {
      stream.broken = true;
      stream.detail = ended
        ? `the worker ended the stream early (${ended.status.code} ${ended.status.details})`
        : 'the worker half-closed the stream early';
      if (!ended) duplex.end({ code: 0, details: 'OK' });
    }
    if (ended) stream.status = ended.status;
    const why =
      result === 'aborted'
        ? 'replay interrupted'
        : result === 'broken'
          ? 'a break fault ended the stream first'
          : stream.broken
            ? 'the stream ended first'
            : 'no answer';
    const pending = result === 'aborted' || result === 'broken' ? 'skipped' : 'missing';
    const outcomes = engine.finish(now(), why, pending);
    return {
      played: 'host',
      session: options.session ?? {},
      pace: formatPace(pace),
      ...(maxInFlight > 0 ? { maxInFlight } : {}),
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
    ...(ended ? { ended } : {}),
    replayRest,
  };
}

async function waitFor(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
  if (timer) clearTimeout(timer);
}
