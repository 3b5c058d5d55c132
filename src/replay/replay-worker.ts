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
import { planSession } from './causal-plan.js';
import { createWaker } from './event-loop.js';
import { createMinHeap } from './min-heap.js';
import { compileIgnores, DEFAULT_IGNORES } from './ignore-paths.js';
import { DEFAULT_PACE, formatPace, parsePace, scaledDelay, type Pace } from './pace.js';
import { messageFrames, type ReplayFrame } from './replay-frame.js';
import { createWorkerResponder, type ScheduledAnswer } from './worker-responder.js';
import type { WorkerFault } from './faults/fault-spec.js';
import { faultReport } from './faults/fault-state.js';
import { functionNames } from './rewrite-host-message.js';
import { createWorkerFaultState, faultAnswers } from './faults/worker-faults.js';

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

interface Pending {
  dueMs: number;
  order: number;
  answer: ScheduledAnswer;
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
  const ignore = compileIgnores([
    ...(options.defaultIgnores === false ? [] : WORKER_SIDE_IGNORES),
    ...(options.ignore ?? []),
  ]);
  const plan = planSession(messageFrames(options.frames));
  const secrets = createSecretMask(options.redact ?? {});
  const responder = createWorkerResponder(plan, {
    workerId: options.workerId,
    requestId: options.requestId,
    ignore,
    secrets,
  });
  const { duplex, signal, onTraffic } = options;
  const waker = createWaker(now, signal);
  const queue = createMinHeap<Pending>(
    (a, b) => a.dueMs < b.dueMs || (a.dueMs === b.dueMs && a.order < b.order),
  );
  const outcomes: ReplayOutcome[] = [];
  let order = 0;
  let sent = 0;
  let terminating = false;
  let received = 0;
  let ended: DuplexEnd | undefined;

  const faults = options.faults?.length
    ? createWorkerFaultState(options.faults, options.seed ?? 0)
    : undefined;
  /** Recorded function id → name, for faults that name a function. */
  const names = new Map(
    plan.steps.flatMap((s) => functionNames(s.frame.bytes).map((f) => [f.functionId, f.name])),
  );
  let crashedAt: number | undefined;
  const schedule = (answers: ScheduledAnswer[], atMs: number, extraMs = () => 0) => {
    for (const answer of answers)
      queue.push({ dueMs: atMs + scaledDelay(answer.delayMs, pace) + extraMs(), order: order++, answer });
  };
  schedule(responder.start(), now());
  duplex.onMessage((bytes) => {
    onTraffic?.('toWorker', bytes);
    received++;
    const r = responder.receive(bytes);
    outcomes.push(r.outcome);
    if (faults) {
      const fn = r.outcome.functionId;
      const functionName = r.outcome.functionName ?? (fn === undefined ? undefined : (names.get(fn) ?? fn));
      const f = faultAnswers(
        faults,
        { kind: r.outcome.kind, ...(functionName ? { functionName } : {}) },
        r.answers,
      );
      if (f.crash && crashedAt === undefined) {
        crashedAt = faults.received;
        duplex.cancel();
      }
      for (const a of f.answers) schedule([a.answer], now(), () => a.extraMs);
    } else schedule(r.answers, now());
    if (r.terminate) terminating = true;
    waker.kick();
  });
  void duplex.done.then((end) => {
    ended = end;
    waker.kick();
  });

  for (;;) {
    if (signal?.aborted || ended) break;
    const t = now();
    while (queue.size > 0 && queue.peek()!.dueMs <= t) {
      const { answer } = queue.pop()!;
      onTraffic?.('toHost', answer.bytes);
      sent++;
      if (!duplex.send(answer.bytes) && !ended) await Promise.race([duplex.drained(), duplex.done]);
    }
    if (terminating && queue.size === 0) {
      duplex.end();
      break;
    }
    await waker.wait(queue.peek()?.dueMs);
  }

  const stream: ReplayStreamEnd = { broken: false };
  const interrupted = signal?.aborted === true && !ended;
  if (interrupted) {
    stream.detail = 'replay interrupted';
    duplex.cancel();
  } else if (!ended) {
    await waitFor(duplex.done, 10_000);
  }
  if (ended) {
    stream.status = ended.status;
    if (crashedAt !== undefined) stream.detail = `functape reset the stream (fault crash@${crashedAt})`;
    else if (ended.status.code !== 0 && !terminating) {
      stream.broken = true;
      stream.detail =
        received === 0
          ? `could not talk to the host (${ended.status.code} ${ended.status.details})`
          : `the host ended the stream with ${ended.status.code} ${ended.status.details}`;
    }
  }
  return {
    played: 'worker',
    session: options.session ?? {},
    pace: formatPace(pace),
    startedAtMs,
    durationMs: now() - t0,
    sent,
    notReceived: responder.notReceived(),
    outcomes,
    counts: tallyOutcomes(outcomes),
    stream,
    ...(interrupted ? { interrupted: true } : {}),
    ...(faults && options.faults
      ? { faults: faultReport(options.faults, options.seed ?? 0, faults.injected) }
      : {}),
  };
}

async function waitFor(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
  if (timer) clearTimeout(timer);
}
