import { decodeMessage, encodeMessage, makeMessage, type StreamingMessage } from '../codec/streaming-message.js';
import { describe } from '../codec/describe.js';
import { BUILTIN_FUNCTIONS, builtinMetadata, type BuiltinFunction, type FunctionResult, type LogLine } from './builtin-functions.js';
import { httpReturnValue, readHttpInput, type HttpInput } from './http-data.js';
import { LOG_CATEGORY, LOG_LEVEL, STATUS, failure, msg, success, type InvocationRequest, type Member, type MessageInit } from './messages.js';
import { createNoopAnswer } from './noop-answer.js';

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

export type WorkerEffect =
  | { type: 'send'; bytes: Uint8Array }
  /** Call `timerFired(id)` after `ms`. A new timer with the same id replaces the old one. */
  | { type: 'set-timer'; id: string; ms: number }
  | { type: 'clear-timer'; id: string }
  /** WorkerTerminate: half-close the stream and exit 0, cutting the stream after `graceMs`. */
  | { type: 'end'; graceMs: number }
  /** Exit the process at once with `code`, without closing the stream. */
  | { type: 'exit'; code: number; reason: string }
  /** Use `us` µs of CPU now (a busy loop), before the effects that follow: a function's own work. */
  | { type: 'work'; us: number };

export interface WorkerConfig {
  workerId: string;
  /** The startup request id (`--functions-request-id`), put on StartStream. */
  requestId: string;
  /** Word used by `hello` (default "Hello"). */
  greeting?: string;
  /** Advertise SupportsLoadResponseCollection (a host then sends one FunctionLoadRequestCollection). */
  loadCollection?: boolean;
  /** WorkerInitResponse.worker_version and WorkerMetadata.worker_version. */
  workerVersion: string;
  /** What legitimately varies between runs goes only here (worker_metadata). */
  runtime: { name: string; version: string; bitness: string; pid: number };
  functions?: readonly BuiltinFunction[];
  /**
   * Behave like a real language worker in two ways functape's own tools must cope with:
   * name each function's HTTP trigger binding this (not `req`) in the metadata, and refuse
   * an invocation whose input names a binding the loaded function does not have.
   */
  bindingName?: string;
  /** Start every invocation with a System RpcLog naming the worker id, as real workers do. */
  logWorkerId?: boolean;
  /** What every invocation costs besides its function, to load a host like a real worker. */
  cost?: InvocationCost;
}

/**
 * A real worker's per-invocation overhead: its user code's CPU and the RpcLogs it writes
 * (the Node.js worker logs ~2 per invocation). With either set, every invocation is decoded
 * in full (no pre-encoded `noop` answer) and answered as: `work`, then `logs` RpcLogs
 * carrying the invocation id, then the function's own logs and its InvocationResponse.
 */
export interface InvocationCost {
  workUs: number;
  logs: number;
}

export interface WorkerStats {
  received: number;
  ignored: number;
  undecodable: number;
  invocations: number;
  sleeping: number;
}

export interface WorkerProtocol {
  /** The first message: StartStream. */
  start(): WorkerEffect[];
  receive(bytes: Uint8Array): WorkerEffect[];
  timerFired(id: string): WorkerEffect[];
  stats(): WorkerStats;
}

export const CRASH_EXIT_CODE = 70;

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

const EMPTY_INPUT: HttpInput = { method: '', url: '', query: {}, headers: {}, body: new Uint8Array(0) };
type LoadRequest = Member<'functionLoadRequest'>;

export function createWorkerProtocol(config: WorkerConfig): WorkerProtocol {
  const functions = new Map((config.functions ?? BUILTIN_FUNCTIONS).map((f) => [f.name, f]));
  const options = { greeting: config.greeting ?? 'Hello' };
  /** function_id → built-in function, filled by FunctionLoadRequests. */
  const loaded = new Map<string, BuiltinFunction>();
  /** function_id → the binding names its load request gave it. */
  const bindingsOf = new Map<string, Set<string>>();
  /** invocation_id → the sleeping invocation's request id and function name. */
  const sleeping = new Map<string, { requestId: string; fn: string; ms: number }>();
  const noop = createNoopAnswer();
  const cost = config.cost && (config.cost.workUs > 0 || config.cost.logs > 0) ? config.cost : undefined;
  const stats: WorkerStats = { received: 0, ignored: 0, undecodable: 0, invocations: 0, sleeping: 0 };
  let terminating = false;
  const appDirectory = { value: '' };

  const send = (init: MessageInit): WorkerEffect => ({ type: 'send', bytes: encodeMessage(makeMessage(init)) });
  const metadata = () => ({
    runtimeName: config.runtime.name,
    runtimeVersion: config.runtime.version,
    workerVersion: config.workerVersion,
    workerBitness: config.runtime.bitness,
    customProperties: { pid: String(config.runtime.pid) },
  });

  function load(req: LoadRequest): object {
    const name = req.metadata?.name || req.functionId;
    const fn = functions.get(name);
    if (!fn) return { functionId: req.functionId, result: failure(`functape worker has no function named '${name}'`, { type: 'FunctionNotFound', source: 'functape-worker' }) };
    loaded.set(req.functionId, fn);
    bindingsOf.set(req.functionId, new Set(Object.keys(req.metadata?.bindings ?? {})));
    return { functionId: req.functionId, result: success(), isDependencyDownloaded: false };
  }

  function logs(invocationId: string, fn: string, lines: LogLine[] | undefined, out: WorkerEffect[]): void {
    for (const line of lines ?? []) {
      out.push(send(msg('rpcLog', {
        invocationId, category: `Function.${fn}.User`, level: line.level, message: line.message, logCategory: LOG_CATEGORY.User,
      })));
    }
  }

  function respond(requestId: string, invocationId: string, fn: string, result: FunctionResult, out: WorkerEffect[]): void {
    switch (result.type) {
      case 'return':
        logs(invocationId, fn, result.logs, out);
        out.push(send(msg('invocationResponse', { invocationId, returnValue: httpReturnValue(result.output), result: success() }, requestId)));
        return;
      case 'fail':
        logs(invocationId, fn, result.logs, out);
        out.push(send(msg('invocationResponse', {
          invocationId,
          result: failure(result.message, {
            type: result.exceptionType, source: fn, isUserException: true,
            stackTrace: `${result.exceptionType}: ${result.message}\n    at ${fn} (functape-worker)`,
          }),
        }, requestId)));
        return;
      case 'sleep':
        sleeping.set(invocationId, { requestId, fn, ms: result.ms });
        out.push({ type: 'set-timer', id: invocationId, ms: result.ms });
        return;
      case 'crash':
        out.push({ type: 'exit', code: CRASH_EXIT_CODE, reason: `function '${fn}' crashed the worker (invocation ${invocationId})` });
    }
  }

  function invoke(requestId: string, req: InvocationRequest, out: WorkerEffect[]): void {
    stats.invocations++;
    const fn = loaded.get(req.functionId);
    if (!fn) {
      out.push(send(msg('invocationResponse', {
        invocationId: req.invocationId,
        result: failure(`function id '${req.functionId}' is not loaded`, { type: 'FunctionNotLoaded', source: 'functape-worker' }),
      }, requestId)));
      return;
    }
    if (config.logWorkerId) {
      out.push(send(msg('rpcLog', {
        invocationId: req.invocationId, category: 'System', level: LOG_LEVEL.Debug, logCategory: LOG_CATEGORY.System,
        message: `Worker ${config.workerId} received FunctionInvocationRequest with invocationId ${req.invocationId}`,
      })));
    }
    const known = bindingsOf.get(req.functionId);
    const unknown = config.bindingName ? req.inputData.find((b) => !known?.has(b.name)) : undefined;
    if (unknown) {
      out.push(send(msg('invocationResponse', {
        invocationId: req.invocationId,
        result: failure(`Failed to find binding "${unknown.name}"`, { type: 'Error', source: 'functape-worker' }),
      }, requestId)));
      return;
    }
    if (cost) spend(req.invocationId, fn.name, cost, out);
    respond(requestId, req.invocationId, fn.name, fn.run(readHttpInput(req) ?? EMPTY_INPUT, options), out);
  }

  /** The invocation's overhead (InvocationCost): CPU, then the worker's own RpcLogs. */
  function spend(invocationId: string, fn: string, c: InvocationCost, out: WorkerEffect[]): void {
    if (c.workUs > 0) out.push({ type: 'work', us: c.workUs });
    for (let i = 1; i <= c.logs; i++) {
      out.push(send(msg('rpcLog', {
        invocationId, category: `Function.${fn}`, level: LOG_LEVEL.Information, logCategory: LOG_CATEGORY.System,
        message: `Executing '${fn}' (invocation ${invocationId}): worker log ${i} of ${c.logs}`,
      })));
    }
  }

  function handle(m: StreamingMessage, out: WorkerEffect[]): void {
    const rid = m.requestId;
    const c = m.content;
    switch (c.case) {
      case 'workerInitRequest':
        appDirectory.value = c.value.functionAppDirectory || c.value.workerDirectory;
        out.push(send(msg('workerInitResponse', {
          workerVersion: config.workerVersion, capabilities: workerCapabilities(config), result: success(), workerMetadata: metadata(),
        }, rid)));
        return;
      case 'functionsMetadataRequest': {
        const dir = c.value.functionAppDirectory || appDirectory.value;
        out.push(send(msg('functionMetadataResponse', {
          functionMetadataResults: [...functions.keys()].map((name) => builtinMetadata(name, dir, config.bindingName)),
          result: success(),
          useDefaultMetadataIndexing: false,
        }, rid)));
        return;
      }
      case 'functionLoadRequest':
        out.push(send(msg('functionLoadResponse', load(c.value), rid)));
        return;
      case 'functionLoadRequestCollection':
        out.push(send(msg('functionLoadResponseCollection', { functionLoadResponses: c.value.functionLoadRequests.map(load) }, rid)));
        return;
      case 'invocationRequest':
        invoke(rid, c.value, out);
        return;
      case 'invocationCancel': {
        const s = sleeping.get(c.value.invocationId);
        if (!s) {
          stats.ignored++; // already answered or unknown: real workers ignore it
          return;
        }
        sleeping.delete(c.value.invocationId);
        out.push({ type: 'clear-timer', id: c.value.invocationId });
        out.push(send(msg('invocationResponse', {
          invocationId: c.value.invocationId, result: { status: STATUS.Cancelled, result: 'cancelled by the host' },
        }, s.requestId)));
        return;
      }
      case 'workerStatusRequest':
        out.push(send(msg('workerStatusResponse', {}, rid)));
        return;
      case 'functionEnvironmentReloadRequest':
        if (c.value.functionAppDirectory) appDirectory.value = c.value.functionAppDirectory;
        out.push(send(msg('functionEnvironmentReloadResponse', {
          workerMetadata: metadata(), capabilities: workerCapabilities(config), result: success(), capabilitiesUpdateStrategy: 0,
        }, rid)));
        return;
      case 'workerWarmupRequest':
        out.push(send(msg('workerWarmupResponse', { result: success() }, rid)));
        return;
      case 'workerTerminate': {
        terminating = true;
        for (const id of sleeping.keys()) out.push({ type: 'clear-timer', id });
        sleeping.clear();
        const g = c.value.gracePeriod;
        const graceMs = g ? Number(g.seconds) * 1000 + Math.floor(g.nanos / 1e6) : 5000;
        out.push({ type: 'end', graceMs });
        return;
      }
      default:
        stats.ignored++;
    }
  }

  return {
    start: () => [send(msg('startStream', { workerId: config.workerId }, config.requestId))],
    receive(bytes) {
      stats.received++;
      const out: WorkerEffect[] = [];
      if (terminating) {
        stats.ignored++;
        return out;
      }
      // Fast path: a noop invocation needs no decoding and a pre-encoded answer.
      const d = describe(bytes);
      if (!cost && d.kind === 'invocationRequest' && !d.requestId && d.invocationId && d.functionId !== undefined && !config.logWorkerId && !config.bindingName) {
        const fn = loaded.get(d.functionId);
        if (fn?.name === 'noop') {
          stats.invocations++;
          out.push({ type: 'send', bytes: noop(d.invocationId) });
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
      handle(m, out);
      return out;
    },
    timerFired(id) {
      const s = sleeping.get(id);
      if (!s) return [];
      sleeping.delete(id);
      const out: WorkerEffect[] = [];
      respond(s.requestId, id, s.fn, { type: 'return', output: { status: 200, contentType: 'text/plain; charset=utf-8', body: `slept ${s.ms} ms` } }, out);
      return out;
    },
    stats: () => ({ ...stats, sleeping: sleeping.size }),
  };
}
