import { decodeMessage, type StreamingMessage } from '../codec/streaming-message.js';
import { describe } from '../codec/describe.js';
import { builtinMetadata } from './builtin-functions.js';
import { CANCEL_RACE_EXIT_CODE } from './worker-bugs.js';
import { STATUS, msg, success, type Member } from './messages.js';
import { invoke, load, respond } from './worker-invoke.js';
import {
  createWorkerState,
  send,
  type WorkerConfig,
  type WorkerEffect,
  type WorkerState,
  type WorkerStats,
} from './worker-state.js';

export { CRASH_EXIT_CODE } from './worker-invoke.js';
export type { InvocationCost, WorkerConfig, WorkerEffect, WorkerStats } from './worker-state.js';

/**
 * The reference worker's protocol logic, sans-IO: incoming message bytes in, effects out.
 * No sockets, no timers, no clock: the runner (worker-runner.ts) performs the effects.
 *
 * Contract: every InvocationRequest gets exactly one InvocationResponse (Success,
 * Failure or Cancelled), except after `crash` or WorkerTerminate; RpcLogs of an
 * invocation precede its response; answers echo the request's request_id; messages a
 * real worker ignores (heartbeat, file change, shared memory, unknown or undecodable
 * bytes) produce no effect.
 */
export interface WorkerProtocol {
  /** The first message: StartStream. */
  start(): WorkerEffect[];
  receive(bytes: Uint8Array): WorkerEffect[];
  timerFired(id: string): WorkerEffect[];
  stats(): WorkerStats;
}

export function workerCapabilities(config: Pick<WorkerConfig, 'loadCollection'>): Record<string, string> {
  const caps: Record<string, string> = {
    RawHttpBodyBytes: 'true',
    TypedDataCollection: 'true',
    WorkerStatus: 'true',
    HandlesWorkerTerminateMessage: 'true',
    HandlesInvocationCancelMessage: 'true',
    HandlesWorkerWarmupMessage: 'true',
  };
  if (config.loadCollection) caps.SupportsLoadResponseCollection = 'true';
  return caps;
}

export function createWorkerProtocol(config: WorkerConfig): WorkerProtocol {
  const w = createWorkerState(config);
  return {
    start: () => [send(msg('startStream', { workerId: config.workerId }, config.requestId))],
    receive: (bytes) => receive(w, bytes),
    timerFired: (id) => timerFired(w, id),
    stats: () => ({ ...w.stats, sleeping: w.sleeping.size }),
  };
}

/** One host message; a `noop` invocation takes the fast path (no decoding, a pre-encoded answer). */
function receive(w: WorkerState, bytes: Uint8Array): WorkerEffect[] {
  const { config, stats } = w;
  stats.received++;
  const out: WorkerEffect[] = [];
  if (w.terminating) {
    stats.ignored++;
    return out;
  }
  // Fast path: a noop invocation needs no decoding and a pre-encoded answer.
  const d = describe(bytes);
  if (
    !w.cost &&
    d.kind === 'invocationRequest' &&
    !d.requestId &&
    d.invocationId &&
    d.functionId !== undefined &&
    !config.logWorkerId &&
    !config.bindingName &&
    !config.bugs
  ) {
    const fn = w.loaded.get(d.functionId);
    if (fn?.name === 'noop') {
      stats.invocations++;
      out.push({ type: 'send', bytes: w.noop(d.invocationId) });
      return out;
    }
  }
  if (d.decodeError) {
    stats.undecodable++;
    return out;
  }
  let m: StreamingMessage;
  try {
    m = decodeMessage(bytes);
  } catch {
    stats.undecodable++;
    return out;
  }
  handle(w, m, out);
  return out;
}

/** Set after WorkerTerminate while invocations run: when it fires, the grace period is over. */
export const DRAIN_TIMER = '\0drain';

/**
 * A sleep ended: the invocation is answered, unless it was cancelled first. After
 * WorkerTerminate the last one answered ends the stream; the drain timer drops the rest.
 */
function timerFired(w: WorkerState, id: string): WorkerEffect[] {
  if (id === DRAIN_TIMER) return endTerminated(w, 0);
  const s = w.sleeping.get(id);
  if (!s) return [];
  w.sleeping.delete(id);
  const out: WorkerEffect[] = [];
  respondSlept(w, id, s, out);
  if (w.terminating && w.sleeping.size === 0)
    out.push({ type: 'clear-timer', id: DRAIN_TIMER }, ...endTerminated(w, w.terminateGraceMs));
  return out;
}

function respondSlept(
  w: WorkerState,
  id: string,
  s: { requestId: string; fn: string; ms: number },
  out: WorkerEffect[],
): void {
  respond(
    w,
    s.requestId,
    id,
    s.fn,
    {
      type: 'return',
      output: { status: 200, contentType: 'text/plain; charset=utf-8', body: `slept ${s.ms} ms` },
    },
    out,
  );
}

/** Every sleep still running is dropped unanswered; the stream ends, cut after `graceMs`. */
function endTerminated(w: WorkerState, graceMs: number): WorkerEffect[] {
  const out: WorkerEffect[] = [...w.sleeping.keys()].map((id) => ({ type: 'clear-timer' as const, id }));
  w.sleeping.clear();
  out.push({ type: 'end', graceMs });
  return out;
}

function metadata(config: WorkerConfig) {
  return {
    runtimeName: config.runtime.name,
    runtimeVersion: config.runtime.version,
    workerVersion: config.workerVersion,
    workerBitness: config.runtime.bitness,
    customProperties: { pid: String(config.runtime.pid) },
  };
}

/** Every answer echoes the request's request_id; what a real worker ignores only counts as ignored. */
function handle(w: WorkerState, m: StreamingMessage, out: WorkerEffect[]): void {
  const c = m.content;
  if (c.case === 'invocationRequest') return invoke(w, m.requestId, c.value, out);
  if (c.case === 'invocationCancel') return cancel(w, c.value.invocationId, out);
  if (c.case === 'workerTerminate') return terminate(w, c.value, out);
  const answer = reply(w, c);
  if (answer) out.push(send(msg(answer.kind, answer.body, m.requestId)));
  else w.stats.ignored++;
}

/** The kind and body of the one answer a request gets (after the state it changes), or undefined. */
function reply(
  w: WorkerState,
  c: StreamingMessage['content'],
): { kind: NonNullable<StreamingMessage['content']['case']>; body: object } | undefined {
  const { config } = w;
  switch (c.case) {
    case 'workerInitRequest':
      w.appDirectory = c.value.functionAppDirectory || c.value.workerDirectory;
      return {
        kind: 'workerInitResponse',
        body: {
          workerVersion: config.workerVersion,
          capabilities: workerCapabilities(config),
          result: success(),
          workerMetadata: metadata(config),
        },
      };
    case 'functionsMetadataRequest': {
      const dir = c.value.functionAppDirectory || w.appDirectory;
      const results = [...w.functions.keys()].map((name) => builtinMetadata(name, dir, config.bindingName));
      return {
        kind: 'functionMetadataResponse',
        body: { functionMetadataResults: results, result: success(), useDefaultMetadataIndexing: false },
      };
    }
    case 'functionLoadRequest':
      return { kind: 'functionLoadResponse', body: load(w, c.value) };
    case 'functionLoadRequestCollection':
      return {
        kind: 'functionLoadResponseCollection',
        body: { functionLoadResponses: c.value.functionLoadRequests.map((r) => load(w, r)) },
      };
    case 'workerStatusRequest':
      return { kind: 'workerStatusResponse', body: {} };
    case 'functionEnvironmentReloadRequest':
      if (c.value.functionAppDirectory) w.appDirectory = c.value.functionAppDirectory;
      return {
        kind: 'functionEnvironmentReloadResponse',
        body: {
          workerMetadata: metadata(config),
          capabilities: workerCapabilities(config),
          result: success(),
          capabilitiesUpdateStrategy: 0,
        },
      };
    case 'workerWarmupRequest':
      return { kind: 'workerWarmupResponse', body: { result: success() } };
    default:
      return undefined;
  }
}

/** A sleeping invocation is answered Cancelled; one already answered or unknown is ignored, as real workers do. */
function cancel(w: WorkerState, invocationId: string, out: WorkerEffect[]): void {
  const s = w.sleeping.get(invocationId);
  if (!s && w.config.bugs?.cancelRace && w.received.has(invocationId)) {
    out.push({
      type: 'exit',
      code: CANCEL_RACE_EXIT_CODE,
      reason: `bug cancel-race: InvocationCancel for invocation ${invocationId}, already answered`,
    });
    return;
  }
  if (!s) {
    w.stats.ignored++; // already answered or unknown: real workers ignore it
    return;
  }
  w.sleeping.delete(invocationId);
  out.push({ type: 'clear-timer', id: invocationId });
  out.push(
    send(
      msg(
        'invocationResponse',
        {
          invocationId,
          result: { status: STATUS.Cancelled, result: 'cancelled by the host' },
        },
        s.requestId,
      ),
    ),
  );
}

/**
 * WorkerTerminate: nothing new is taken; invocations in flight finish within the grace
 * period (default 5 s), then the stream ends (at once when none runs); what still runs when
 * the grace period is over is dropped unanswered.
 */
function terminate(w: WorkerState, t: Member<'workerTerminate'>, out: WorkerEffect[]): void {
  w.terminating = true;
  const g = t.gracePeriod;
  const graceMs = g ? Number(g.seconds) * 1000 + Math.floor(g.nanos / 1e6) : 5000;
  w.terminateGraceMs = graceMs;
  if (w.sleeping.size === 0) out.push({ type: 'end', graceMs });
  else out.push({ type: 'set-timer', id: DRAIN_TIMER, ms: graceMs });
}
