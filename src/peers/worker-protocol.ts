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
    !config.bugs?.size
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

/** A sleep ended: the invocation is answered, unless it was cancelled or the worker terminated first. */
function timerFired(w: WorkerState, id: string): WorkerEffect[] {
  const s = w.sleeping.get(id);
  if (!s) return [];
  w.sleeping.delete(id);
  const out: WorkerEffect[] = [];
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
  const { config } = w;
  const rid = m.requestId;
  const c = m.content;
  switch (c.case) {
    case 'workerInitRequest':
      w.appDirectory = c.value.functionAppDirectory || c.value.workerDirectory;
      out.push(
        send(
          msg(
            'workerInitResponse',
            {
              workerVersion: config.workerVersion,
              capabilities: workerCapabilities(config),
              result: success(),
              workerMetadata: metadata(config),
            },
            rid,
          ),
        ),
      );
      return;
    case 'functionsMetadataRequest': {
      const dir = c.value.functionAppDirectory || w.appDirectory;
      out.push(
        send(
          msg(
            'functionMetadataResponse',
            {
              functionMetadataResults: [...w.functions.keys()].map((name) =>
                builtinMetadata(name, dir, config.bindingName),
              ),
              result: success(),
              useDefaultMetadataIndexing: false,
            },
            rid,
          ),
        ),
      );
      return;
    }
    case 'functionLoadRequest':
      out.push(send(msg('functionLoadResponse', load(w, c.value), rid)));
      return;
    case 'functionLoadRequestCollection':
      out.push(
        send(
          msg(
            'functionLoadResponseCollection',
            { functionLoadResponses: c.value.functionLoadRequests.map((r) => load(w, r)) },
            rid,
          ),
        ),
      );
      return;
    case 'invocationRequest':
      return invoke(w, rid, c.value, out);
    case 'invocationCancel':
      return cancel(w, c.value.invocationId, out);
    case 'workerStatusRequest':
      out.push(send(msg('workerStatusResponse', {}, rid)));
      return;
    case 'functionEnvironmentReloadRequest':
      if (c.value.functionAppDirectory) w.appDirectory = c.value.functionAppDirectory;
      out.push(
        send(
          msg(
            'functionEnvironmentReloadResponse',
            {
              workerMetadata: metadata(config),
              capabilities: workerCapabilities(config),
              result: success(),
              capabilitiesUpdateStrategy: 0,
            },
            rid,
          ),
        ),
      );
      return;
    case 'workerWarmupRequest':
      out.push(send(msg('workerWarmupResponse', { result: success() }, rid)));
      return;
    case 'workerTerminate':
      return terminate(w, c.value, out);
    default:
      w.stats.ignored++;
  }
}

/** A sleeping invocation is answered Cancelled; one already answered or unknown is ignored, as real workers do. */
function cancel(w: WorkerState, invocationId: string, out: WorkerEffect[]): void {
  const s = w.sleeping.get(invocationId);
  if (!s && w.config.bugs?.has('cancel-race') && w.received.has(invocationId)) {
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

/** WorkerTerminate: every sleep is dropped unanswered, and the stream ends after the grace period (default 5 s). */
function terminate(w: WorkerState, t: Member<'workerTerminate'>, out: WorkerEffect[]): void {
  w.terminating = true;
  for (const id of w.sleeping.keys()) out.push({ type: 'clear-timer', id });
  w.sleeping.clear();
  const g = t.gracePeriod;
  const graceMs = g ? Number(g.seconds) * 1000 + Math.floor(g.nanos / 1e6) : 5000;
  out.push({ type: 'end', graceMs });
}
