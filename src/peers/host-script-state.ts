import { encodeMessage, makeMessage } from '../codec/streaming-message.js';
import { emptyCounts, type FunctionCounts } from './host-report.js';
import type { Expectation, PlanOptions } from './invocation-plan.js';
import { createRequestEncoder } from './request-encoder.js';
import { msg, type MessageInit } from './messages.js';

/** The scripted host's types, its named state and the primitives every phase uses (see host-script.ts). */

export type HostPhase =
  | 'await-start'
  | 'await-init'
  | 'await-reload'
  | 'await-metadata'
  | 'await-load'
  | 'invoking'
  | 'await-status'
  | 'terminated'
  | 'aborted';

export type HostEffect =
  | { type: 'send'; bytes: Uint8Array }
  /**
   * The script is over. `graceful`: WorkerTerminate was sent, wait for the worker to end
   * its stream and exit. Otherwise (no HandlesWorkerTerminateMessage) end the call and stop
   * the process, as a host does.
   */
  | { type: 'terminated'; graceful: boolean }
  /** The worker broke the protocol: end the call with an error and stop. */
  | { type: 'abort'; problem: string };

export interface HostScriptConfig {
  workerId: string;
  /** Functions to invoke, cycled in this order. */
  functions: readonly string[];
  invocations: number;
  concurrency: number;
  plan: Omit<PlanOptions, 'rawBodyBytes'>;
  /** Send a FunctionEnvironmentReloadRequest after init (specialization of a placeholder). */
  reloadEnv: boolean;
  hostVersion: string;
  appDirectory: string;
  terminateGraceSeconds?: number;
  newGuid(): string;
  /** Monotonic nanoseconds. */
  now(): bigint;
  /** Wall clock, ms since the epoch (for the sys.UtcNow trigger metadata). */
  wallNow(): number;
  recordLatency(fn: string, ns: number): void;
}

/** What the script knows at the end, for the report. */
export interface HostScriptState {
  phase: HostPhase;
  /** First problem that makes the run 'broken' (worker broke the protocol or stream). */
  broken?: string;
  /** First problem that makes the run 'unexpected'. */
  unexpected?: string;
  workerCapabilities: string[];
  workerMetadata: Record<string, string>;
  byFunction: Record<string, FunctionCounts>;
  examples: string[];
  sent: number;
  answered: number;
  logs: { invocation: number; other: number };
  messages: { toWorker: number; toHost: number };
  statusEchoed: boolean;
  /** False when the worker lacks the WorkerStatus capability (no request is sent then). */
  statusSent: boolean;
  /** When the first InvocationRequest was sent. */
  invokeStartNs?: bigint;
  /** When the last answer so far arrived (also after a broken stream: what was answered counts). */
  invokeEndNs?: bigint;
}

export interface InFlight {
  fn: string;
  startNs: bigint;
  expect: Expectation;
  logs: number;
}

const MAX_EXAMPLES = 10;
export const hex = (guid: string) => guid.replace(/-/g, '');

/**
 * The script's named state. `st` is what the report sees; the rest is bookkeeping.
 * Invariants: `inFlight` holds exactly the invocations sent and not yet answered (never more
 * than `config.concurrency`); `pendingLoads` holds the function ids loaded and not yet
 * answered; `capabilities` is what the worker's init response advertised ({} before it).
 */
export interface ScriptState {
  readonly config: HostScriptConfig;
  readonly st: HostScriptState;
  /** Function name → the id it was loaded under. */
  readonly functionIds: Map<string, string>;
  /** Function name → its trigger binding's name, from the metadata the worker returned. */
  readonly triggerBindings: Map<string, string>;
  readonly pendingLoads: Set<string>;
  /** Invocation id → what was sent, for the answer's check and latency. */
  readonly inFlight: Map<string, InFlight>;
  /** Function name → how many invocations of it were planned so far. */
  readonly perFunctionIndex: Map<string, number>;
  readonly encodeRequest: ReturnType<typeof createRequestEncoder>;
  capabilities: Record<string, string>;
  /** The request id of the WorkerStatusRequest sent ('' before). */
  statusRequestId: string;
}

export function createScriptState(config: HostScriptConfig): ScriptState {
  const st: HostScriptState = {
    phase: 'await-start',
    workerCapabilities: [],
    workerMetadata: {},
    byFunction: {},
    examples: [],
    sent: 0,
    answered: 0,
    logs: { invocation: 0, other: 0 },
    messages: { toWorker: 0, toHost: 0 },
    statusEchoed: false,
    statusSent: false,
  };
  for (const fn of config.functions) st.byFunction[fn] ??= emptyCounts();
  return {
    config,
    st,
    functionIds: new Map(),
    triggerBindings: new Map(),
    pendingLoads: new Set(),
    inFlight: new Map(),
    perFunctionIndex: new Map(),
    encodeRequest: createRequestEncoder(),
    capabilities: {},
    statusRequestId: '',
  };
}

export function out(s: ScriptState, effects: HostEffect[], init: MessageInit): void {
  s.st.messages.toWorker++;
  effects.push({ type: 'send', bytes: encodeMessage(makeMessage(init)) });
}

export function abort(s: ScriptState, effects: HostEffect[], problem: string): void {
  s.st.broken ??= problem;
  s.st.phase = 'aborted';
  effects.push({ type: 'abort', problem });
}

/** Ends the script: WorkerTerminate first when the worker handles it (graceful). */
export function terminate(s: ScriptState, effects: HostEffect[]): void {
  const graceful = 'HandlesWorkerTerminateMessage' in s.capabilities;
  if (graceful) {
    const seconds = BigInt(s.config.terminateGraceSeconds ?? 5);
    out(s, effects, msg('workerTerminate', { gracePeriod: { seconds, nanos: 0 } }));
  }
  s.st.phase = 'terminated';
  effects.push({ type: 'terminated', graceful });
}

/** Records a problem that makes the run 'unexpected' (the first one names it; up to MAX_EXAMPLES kept). */
export function note(s: ScriptState, problem: string): void {
  s.st.unexpected ??= problem;
  if (s.st.examples.length < MAX_EXAMPLES) s.st.examples.push(problem);
}
