import { decodeMessage, encodeMessage, makeMessage, type StreamingMessage } from '../codec/streaming-message.js';
import { emptyCounts, type FunctionCounts } from './host-report.js';
import { checkResponse, planInvocation, type Expectation, type PlanOptions } from './invocation-plan.js';
import { createRequestEncoder } from './request-encoder.js';
import { triggerBindingName } from './trigger-binding.js';
import { LOG_CATEGORY, msg, STATUS, STATUS_NAME, type MessageInit, type RpcFunctionMetadata } from './messages.js';

/**
 * The scripted host, sans-IO: worker messages in, host messages and verdicts out.
 * init → (env reload) → metadata → load → N invocations, at most C in flight → status →
 * terminate. The runner does the I/O, the clock is injected.
 *
 * Invariants: at most `concurrency` invocations are unanswered at any time; every
 * answer is checked against its plan exactly once; after `abort` or `terminated`
 * nothing more is sent.
 */

export type HostPhase =
  | 'await-start' | 'await-init' | 'await-reload' | 'await-metadata' | 'await-load'
  | 'invoking' | 'await-status' | 'terminated' | 'aborted';

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

export interface HostScript {
  receive(bytes: Uint8Array): HostEffect[];
  /** The stream ended or the worker stopped answering (from the runner). */
  broke(problem: string): void;
  state(): HostScriptState;
}

interface InFlight {
  fn: string;
  startNs: bigint;
  expect: Expectation;
  logs: number;
}

const MAX_EXAMPLES = 10;
const hex = (guid: string) => guid.replace(/-/g, '');

export function createHostScript(config: HostScriptConfig): HostScript {
  const st: HostScriptState = {
    phase: 'await-start', workerCapabilities: [], workerMetadata: {}, byFunction: {}, examples: [],
    sent: 0, answered: 0, logs: { invocation: 0, other: 0 }, messages: { toWorker: 0, toHost: 0 }, statusEchoed: false, statusSent: false,
  };
  for (const fn of config.functions) st.byFunction[fn] ??= emptyCounts();
  const functionIds = new Map<string, string>();
  /** Function name → its trigger binding's name, from the metadata the worker returned. */
  const triggerBindings = new Map<string, string>();
  const pendingLoads = new Set<string>();
  const inFlight = new Map<string, InFlight>();
  const perFunctionIndex = new Map<string, number>();
  let capabilities: Record<string, string> = {};
  let statusRequestId = '';
  const encodeRequest = createRequestEncoder();

  const out = (effects: HostEffect[], init: MessageInit) => {
    st.messages.toWorker++;
    effects.push({ type: 'send', bytes: encodeMessage(makeMessage(init)) });
  };
  const abort = (effects: HostEffect[], problem: string) => {
    st.broken ??= problem;
    st.phase = 'aborted';
    effects.push({ type: 'abort', problem });
  };
  const terminate = (effects: HostEffect[]) => {
    const graceful = 'HandlesWorkerTerminateMessage' in capabilities;
    if (graceful) out(effects, msg('workerTerminate', { gracePeriod: { seconds: BigInt(config.terminateGraceSeconds ?? 5), nanos: 0 } }));
    st.phase = 'terminated';
    effects.push({ type: 'terminated', graceful });
  };
  const note = (problem: string) => {
    st.unexpected ??= problem;
    if (st.examples.length < MAX_EXAMPLES) st.examples.push(problem);
  };

  function sendMetadataRequest(effects: HostEffect[]): void {
    st.phase = 'await-metadata';
    out(effects, msg('functionsMetadataRequest', { functionAppDirectory: config.appDirectory }));
  }

  function sendLoads(effects: HostEffect[], metadata: RpcFunctionMetadata[]): void {
    st.phase = 'await-load';
    const requests = metadata.map((m) => {
      // Worker-indexed functions keep the worker's id (the name); otherwise the host mints a GUID.
      const functionId = m.functionId || config.newGuid();
      functionIds.set(m.name, functionId);
      triggerBindings.set(m.name, triggerBindingName(m));
      pendingLoads.add(functionId);
      return { functionId, metadata: { ...m, functionId }, managedDependencyEnabled: false };
    });
    if ('SupportsLoadResponseCollection' in capabilities) {
      out(effects, msg('functionLoadRequestCollection', { functionLoadRequests: requests }));
    } else {
      for (const r of requests) out(effects, msg('functionLoadRequest', r));
    }
  }

  function sendInvocations(effects: HostEffect[]): void {
    const rawBodyBytes = 'RawHttpBodyBytes' in capabilities;
    // A host cancels only workers that advertised HandlesInvocationCancelMessage.
    const cancelEvery = 'HandlesInvocationCancelMessage' in capabilities ? config.plan.cancelEvery : 0;
    while (st.sent < config.invocations && inFlight.size < config.concurrency) {
      const fn = config.functions[st.sent % config.functions.length]!;
      const n = perFunctionIndex.get(fn) ?? 0;
      perFunctionIndex.set(fn, n + 1);
      const plan = { ...planInvocation(fn, n, { ...config.plan, cancelEvery, rawBodyBytes }), binding: triggerBindings.get(fn)! };
      const invocationId = config.newGuid();
      const trace = config.newGuid();
      const request = encodeRequest(plan, {
        invocationId, functionId: functionIds.get(fn)!, traceId: hex(trace), spanId: hex(config.newGuid()).slice(0, 16),
        randGuid: config.newGuid(), utcNow: new Date(config.wallNow()).toISOString(),
      }, { ...config.plan, cancelEvery, rawBodyBytes });
      const now = config.now();
      st.invokeStartNs ??= now;
      inFlight.set(invocationId, { fn, startNs: now, expect: plan.expect, logs: 0 });
      st.sent++;
      st.byFunction[fn]!.sent++;
      st.messages.toWorker++;
      effects.push({ type: 'send', bytes: request });
      if (plan.cancel) {
        out(effects, msg('invocationCancel', { invocationId, gracePeriod: { seconds: 0n, nanos: 0 } }));
      }
    }
    if (st.sent >= config.invocations && inFlight.size === 0) {
      // A host asks for status only when the worker advertised WorkerStatus.
      if ('WorkerStatus' in capabilities) {
        st.phase = 'await-status';
        st.statusSent = true;
        statusRequestId = config.newGuid();
        out(effects, msg('workerStatusRequest', {}, statusRequestId));
      } else {
        terminate(effects);
      }
    }
  }

  function onInvocationResponse(effects: HostEffect[], m: Extract<StreamingMessage['content'], { case: 'invocationResponse' }>['value']): void {
    const inv = inFlight.get(m.invocationId);
    if (!inv) {
      note(`an InvocationResponse for unknown invocation ${m.invocationId}`);
      return;
    }
    inFlight.delete(m.invocationId);
    st.answered++;
    const now = config.now();
    st.invokeEndNs = now;
    config.recordLatency(inv.fn, Number(now - inv.startNs));
    const counts = st.byFunction[inv.fn]!;
    const status = STATUS_NAME[m.result?.status ?? -1];
    if (status === 'Success') counts.success++;
    else if (status === 'Failure') counts.failure++;
    else if (status === 'Cancelled') counts.cancelled++;
    const problem = checkResponse(inv.expect, m, inv.logs);
    if (problem) {
      counts.unexpected++;
      note(`${inv.fn} ${m.invocationId}: ${problem}`);
    } else {
      counts.ok++;
    }
    if (st.phase === 'invoking') sendInvocations(effects);
  }

  function handle(m: StreamingMessage, effects: HostEffect[]): void {
    const c = m.content;
    if (c.case === 'rpcLog') {
      const inv = c.value.invocationId ? inFlight.get(c.value.invocationId) : undefined;
      if (inv) {
        // Only the function's own (User) logs are what the plan counts: real workers add System ones.
        if (c.value.logCategory === LOG_CATEGORY.User) inv.logs++;
        st.logs.invocation++;
      } else {
        st.logs.other++;
      }
      return;
    }
    switch (st.phase) {
      case 'await-start':
        if (c.case !== 'startStream') return abort(effects, `the first message was ${c.case ?? 'empty'}, expected startStream`);
        if (c.value.workerId !== config.workerId) return abort(effects, `StartStream worker id ${c.value.workerId} is not ${config.workerId}`);
        st.phase = 'await-init';
        out(effects, msg('workerInitRequest', {
          hostVersion: config.hostVersion, capabilities: { MultiStream: '10' }, logCategories: {},
          workerDirectory: config.appDirectory, functionAppDirectory: config.appDirectory,
        }));
        return;
      case 'await-init': {
        if (c.case !== 'workerInitResponse') break;
        if (c.value.result?.status !== STATUS.Success) return abort(effects, `worker init failed: ${c.value.result?.exception?.message ?? c.value.result?.result ?? 'no result'}`);
        capabilities = c.value.capabilities;
        st.workerCapabilities = Object.keys(capabilities).sort();
        const wm = c.value.workerMetadata;
        if (wm) st.workerMetadata = { runtimeName: wm.runtimeName, runtimeVersion: wm.runtimeVersion, workerVersion: wm.workerVersion, workerBitness: wm.workerBitness, ...wm.customProperties };
        if (config.reloadEnv) {
          st.phase = 'await-reload';
          out(effects, msg('functionEnvironmentReloadRequest', {
            environmentVariables: {
              AzureWebJobsStorage: 'UseDevelopmentStorage=true', FUNCTIONS_WORKER_RUNTIME: 'functape',
              WEBSITE_SITE_NAME: 'functape-demo', DEMO_CONNECTION_STRING: 'Server=demo;Password=not-a-real-secret',
            },
            functionAppDirectory: config.appDirectory,
          }));
        } else {
          sendMetadataRequest(effects);
        }
        return;
      }
      case 'await-reload':
        if (c.case !== 'functionEnvironmentReloadResponse') break;
        if (c.value.result?.status !== STATUS.Success) note('the environment reload failed');
        sendMetadataRequest(effects);
        return;
      case 'await-metadata': {
        if (c.case !== 'functionMetadataResponse') break;
        const md = c.value.functionMetadataResults;
        const missing = config.functions.filter((fn) => !md.some((f) => f.name === fn));
        if (missing.length > 0) {
          note(`the worker has no function ${missing.join(', ')} (it has ${md.map((f) => f.name).join(', ') || 'none'})`);
          return terminate(effects);
        }
        sendLoads(effects, md);
        return;
      }
      case 'await-load': {
        const responses = c.case === 'functionLoadResponse' ? [c.value] : c.case === 'functionLoadResponseCollection' ? c.value.functionLoadResponses : undefined;
        if (!responses) break;
        for (const r of responses) {
          pendingLoads.delete(r.functionId);
          const name = [...functionIds].find(([, id]) => id === r.functionId)?.[0];
          if (r.result?.status !== STATUS.Success && name && config.functions.includes(name)) {
            note(`loading ${name} failed: ${r.result?.exception?.message ?? r.result?.result ?? ''}`);
          }
        }
        if (pendingLoads.size > 0) return;
        if (st.unexpected) return terminate(effects);
        st.phase = 'invoking';
        sendInvocations(effects);
        return;
      }
      case 'invoking':
        if (c.case !== 'invocationResponse') break;
        return onInvocationResponse(effects, c.value);
      case 'await-status':
        if (c.case !== 'workerStatusResponse') break;
        st.statusEchoed = m.requestId === statusRequestId;
        if (!st.statusEchoed) note(`WorkerStatusResponse request_id ${JSON.stringify(m.requestId)} does not echo ${statusRequestId}`);
        return terminate(effects);
      default:
        return;
    }
    if (c.case === 'invocationResponse') return onInvocationResponse(effects, c.value);
    note(`unexpected ${c.case ?? 'empty message'} while in ${st.phase}`);
  }

  return {
    receive(bytes) {
      st.messages.toHost++;
      const effects: HostEffect[] = [];
      if (st.phase === 'aborted') return effects;
      let m: StreamingMessage;
      try {
        m = decodeMessage(bytes);
      } catch (err) {
        abort(effects, `undecodable message from the worker: ${err instanceof Error ? err.message : String(err)}`);
        return effects;
      }
      handle(m, effects);
      return effects;
    },
    broke(problem) {
      if (st.phase === 'terminated') return;
      st.broken ??= problem;
      st.phase = 'aborted';
    },
    state: () => ({ ...st }),
  };
}
