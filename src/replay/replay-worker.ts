import type { RedactRules } from '../codec/redact.js';
import { createSecretMask } from '../codec/secret-mask.js';
import type { Duplex } from '../model/duplex.js';
import type { Direction } from '../model/frame.js';
import { tallyOutcomes, type ReplayReport } from '../report/replay-report.js';
import { planSession } from './causal-plan.js';
import { createWaker } from './event-loop.js';
import { compileIgnores, DEFAULT_IGNORES } from './ignore-paths.js';
import { DEFAULT_PACE, formatPace, parsePace, type Pace } from './pace.js';
import { messageFrames, type ReplayFrame } from './replay-frame.js';
import { createWorkerResponder, type WorkerResponderOptions } from './worker-responder.js';
import {
  createWorkerRun,
  endWorkerStream,
  onHostMessage,
  scheduleAnswers,
  sendAnswers,
  watchHostEnd,
} from './worker-drive.js';
import type { WorkerFault } from './faults/fault-spec.js';
import { faultReport } from './faults/fault-state.js';
import { functionNames } from './rewrite-host-message.js';
import { createWorkerFaultState } from './faults/worker-faults.js';

/**
 * What differs between two hosts' runs of the same app and is not the worker's concern:
 * host version, directories on disk, trace contexts and the host's `sys` trigger metadata
 * (UtcNow, RandGuid), plus the common defaults.
 */
export const WORKER_SIDE_IGNORES: readonly string[] = [
  ...DEFAULT_IGNORES,
  'workerInitRequest.hostVersion',
  '**.*Directory',
  '**.directory',
  '**.scriptFile',
  'invocationRequest.traceContext',
  'invocationRequest.triggerMetadata.sys',
];

export interface ReplayWorkerOptions {
  /** The recorded session's frames in seq order. */
  frames: Iterable<ReplayFrame>;
  /** The stream to the live host, functape playing the worker (e.g. `dialAsWorker`). */
  duplex: Duplex;
  /** The worker id and startup request id the host gave (its host args). */
  workerId: string;
  requestId: string;
  pace?: Pace | string;
  /** Extra paths left out when comparing live host messages with the recorded ones. */
  ignore?: readonly string[];
  /** Apply WORKER_SIDE_IGNORES; default true. */
  defaultIgnores?: boolean;
  /**
   * The redaction rules the recording was made with (default: the built-in ones; `false`:
   * none): messages are compared and reported redacted by them (codec/secret-mask.ts).
   */
  redact?: RedactRules | false;
  session?: { id?: number; label?: string };
  signal?: AbortSignal;
  onTraffic?: (direction: Direction, bytes: Uint8Array) => void;
  now?: () => number;
  /** Faults toward the host (parse with `parseWorkerFault`), PRNG seeded by `seed` (default 0). */
  faults?: readonly WorkerFault[];
  seed?: number;
}

/**
 * Play the recorded worker side toward a live host: StartStream with the given worker id,
 * then each host message answered from the recording (see `createWorkerResponder`), with
 * `recorded` pace waiting each answer's recorded service time. Ends when the host ends the
 * call, or after WorkerTerminate once every scheduled answer is out. The report has one
 * outcome per live host message: matched/differed against the recorded one it was
 * answered from, missing when the recording had nothing to answer it with.
 */
export async function replayWorker(options: ReplayWorkerOptions): Promise<ReplayReport> {
  const now = options.now ?? (() => performance.now());
  const startedAtMs = Date.now();
  const t0 = now();
  const pace = typeof options.pace === 'string' ? parsePace(options.pace) : (options.pace ?? DEFAULT_PACE);
  const plan = planSession(messageFrames(options.frames));
  const { duplex, signal, onTraffic } = options;
  const faults = options.faults?.length
    ? createWorkerFaultState(options.faults, options.seed ?? 0)
    : undefined;
  const run = createWorkerRun({
    responder: createWorkerResponder(plan, workerResponderOptions(options)),
    duplex,
    waker: createWaker(now, signal),
    pace,
    now,
    signal,
    onTraffic,
    faults,
    names: new Map(
      plan.steps.flatMap((s) => functionNames(s.frame.bytes).map((f) => [f.functionId, f.name])),
    ),
  });
  scheduleAnswers(run, run.responder.start(), now());
  duplex.onMessage((bytes) => onHostMessage(run, bytes));
  watchHostEnd(run);
  await sendAnswers(run);

  const interrupted = signal?.aborted === true && !run.ended;
  const stream = await endWorkerStream(run, interrupted);
  const { outcomes } = run;
  return {
    played: 'worker',
    session: options.session ?? {},
    pace: formatPace(pace),
    startedAtMs,
    durationMs: now() - t0,
    sent: run.sent,
    notReceived: run.responder.notReceived(),
    outcomes,
    counts: tallyOutcomes(outcomes),
    stream,
    ...(interrupted ? { interrupted: true } : {}),
    ...(faults && options.faults
      ? { faults: faultReport(options.faults, options.seed ?? 0, faults.injected) }
      : {}),
  };
}

/** The responder's options: the live worker's ids and how to compare host messages. */
function workerResponderOptions(options: ReplayWorkerOptions): WorkerResponderOptions {
  return {
    workerId: options.workerId,
    requestId: options.requestId,
    ignore: compileIgnores([
      ...(options.defaultIgnores === false ? [] : WORKER_SIDE_IGNORES),
      ...(options.ignore ?? []),
    ]),
    secrets: createSecretMask(options.redact ?? {}),
  };
}
