import { encodeMessage, makeMessage } from '../codec/streaming-message.js';
import { BUILTIN_FUNCTIONS, type BuiltinFunction } from './builtin-functions.js';
import type { MessageInit } from './messages.js';
import { createNoopAnswer } from './noop-answer.js';
import type { WorkerBugs } from './worker-bugs.js';

/** The reference worker's types and its named state (see worker-protocol.ts). */

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
  /** Deliberate bugs switched on (`--bug`, worker-bugs.ts); any bug turns the noop fast path off. */
  bugs?: WorkerBugs;
  /** What the `noise` bug puts in answers: fresh ids and the wall clock (given, so the logic stays sans-IO). */
  entropy?: { newId(): string; nowMs(): number };
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

/** A sleeping invocation, answered when its timer fires or cancelled by the host. */
export interface Sleeping {
  requestId: string;
  fn: string;
  ms: number;
}

/**
 * The worker's named state. Invariants: `loaded` and `bindingsOf` hold exactly the function
 * ids a load request named and the worker could load; `sleeping` holds exactly the
 * invocations with a timer set and no answer yet; once `terminating`, nothing new is taken
 * and only those sleeps are answered.
 */
export interface WorkerState {
  readonly config: WorkerConfig;
  /** Name → built-in function, the functions this worker has. */
  readonly functions: Map<string, BuiltinFunction>;
  readonly options: { greeting: string };
  /** function_id → built-in function, filled by FunctionLoadRequests. */
  readonly loaded: Map<string, BuiltinFunction>;
  /** function_id → the binding names its load request gave it. */
  readonly bindingsOf: Map<string, Set<string>>;
  /** invocation_id → the sleeping invocation. */
  readonly sleeping: Map<string, Sleeping>;
  /** The pre-encoded `noop` answer (the fast path). */
  readonly noop: (invocationId: string) => Uint8Array;
  /** The per-invocation cost, absent when it costs nothing (then the noop fast path applies). */
  readonly cost: InvocationCost | undefined;
  readonly stats: WorkerStats;
  terminating: boolean;
  /** A `fail` invocation has run (read by the `state` bug only). */
  failed: boolean;
  /** WorkerTerminate's grace period (ms), once it came. */
  terminateGraceMs: number;
  /** Invocation ids received, kept only while a bug needs them (`cancel-race`). */
  readonly received: Set<string>;
  /** From WorkerInitRequest, replaced by a FunctionEnvironmentReloadRequest that names one. */
  appDirectory: string;
}

export function createWorkerState(config: WorkerConfig): WorkerState {
  return {
    config,
    functions: new Map((config.functions ?? BUILTIN_FUNCTIONS).map((f) => [f.name, f])),
    options: { greeting: config.greeting ?? 'Hello' },
    loaded: new Map(),
    bindingsOf: new Map(),
    sleeping: new Map(),
    noop: createNoopAnswer(),
    cost: config.cost && (config.cost.workUs > 0 || config.cost.logs > 0) ? config.cost : undefined,
    stats: { received: 0, ignored: 0, undecodable: 0, invocations: 0, sleeping: 0 },
    terminating: false,
    failed: false,
    terminateGraceMs: 0,
    received: new Set(),
    appDirectory: '',
  };
}

export const send = (init: MessageInit): WorkerEffect => ({
  type: 'send',
  bytes: encodeMessage(makeMessage(init)),
});
