import { decodeMessage, type StreamingMessage } from '../codec/streaming-message.js';
import { triggerBindingName } from './trigger-binding.js';
import { msg, STATUS, type Member, type RpcFunctionMetadata } from './messages.js';
import {
  abort,
  createScriptState,
  note,
  out,
  terminate,
  type HostEffect,
  type HostScriptConfig,
  type HostScriptState,
  type ScriptState,
} from './host-script-state.js';
import { onInvocationResponse, onLog, sendInvocations } from './host-invocations.js';

export type { HostEffect, HostPhase, HostScriptConfig, HostScriptState } from './host-script-state.js';

/**
 * The scripted host, sans-IO: worker messages in, host messages and verdicts out.
 * init → (env reload) → metadata → load → N invocations, at most C in flight → status →
 * terminate. The runner does the I/O, the clock is injected.
 *
 * Invariants: at most `concurrency` invocations are unanswered at any time; every
 * answer is checked against its plan exactly once; after `abort` or `terminated`
 * nothing more is sent.
 */
export interface HostScript {
  receive(bytes: Uint8Array): HostEffect[];
  /** The stream ended or the worker stopped answering (from the runner). */
  broke(problem: string): void;
  state(): HostScriptState;
}

export function createHostScript(config: HostScriptConfig): HostScript {
  const s = createScriptState(config);
  return {
    receive: (bytes) => receive(s, bytes),
    broke(problem) {
      if (s.st.phase === 'terminated') return;
      s.st.broken ??= problem;
      s.st.phase = 'aborted';
    },
    state: () => ({ ...s.st }),
  };
}

/** One worker message: counted, decoded (undecodable aborts), handled; nothing after an abort. */
function receive(s: ScriptState, bytes: Uint8Array): HostEffect[] {
  s.st.messages.toHost++;
  const effects: HostEffect[] = [];
  if (s.st.phase === 'aborted') return effects;
  let m: StreamingMessage;
  try {
    m = decodeMessage(bytes);
  } catch (err) {
    abort(
      s,
      effects,
      `undecodable message from the worker: ${err instanceof Error ? err.message : String(err)}`,
    );
    return effects;
  }
  handle(s, m, effects);
  return effects;
}

/**
 * Logs are counted in any phase; every other message goes to its phase's handler. A
 * handler returns false when the message is not the one its phase waits for: an
 * InvocationResponse is then still checked, anything else is noted as unexpected.
 */
function handle(s: ScriptState, m: StreamingMessage, effects: HostEffect[]): void {
  const c = m.content;
  if (c.case === 'rpcLog') return onLog(s, c.value);
  if (s.st.phase === 'terminated' || s.st.phase === 'aborted') return;
  if (onPhase(s, m, effects)) return;
  if (c.case === 'invocationResponse') return onInvocationResponse(s, effects, c.value);
  note(s, `unexpected ${c.case ?? 'empty message'} while in ${s.st.phase}`);
}

function onPhase(s: ScriptState, m: StreamingMessage, effects: HostEffect[]): boolean {
  const c = m.content;
  switch (s.st.phase) {
    case 'await-start':
      onStartStream(s, effects, c);
      return true;
    case 'await-init':
      if (c.case !== 'workerInitResponse') return false;
      onInitResponse(s, effects, c.value);
      return true;
    case 'await-reload':
      if (c.case !== 'functionEnvironmentReloadResponse') return false;
      if (c.value.result?.status !== STATUS.Success) note(s, 'the environment reload failed');
      sendMetadataRequest(s, effects);
      return true;
    case 'await-metadata':
      if (c.case !== 'functionMetadataResponse') return false;
      onMetadataResponse(s, effects, c.value);
      return true;
    case 'await-load': {
      const responses =
        c.case === 'functionLoadResponse'
          ? [c.value]
          : c.case === 'functionLoadResponseCollection'
            ? c.value.functionLoadResponses
            : undefined;
      if (responses === undefined) return false;
      onLoadResponses(s, effects, responses);
      return true;
    }
    case 'invoking':
      if (c.case !== 'invocationResponse') return false;
      onInvocationResponse(s, effects, c.value);
      return true;
    case 'await-status':
      if (c.case !== 'workerStatusResponse') return false;
      s.st.statusEchoed = m.requestId === s.statusRequestId;
      if (!s.st.statusEchoed)
        note(
          s,
          `WorkerStatusResponse request_id ${JSON.stringify(m.requestId)} does not echo ${s.statusRequestId}`,
        );
      terminate(s, effects);
      return true;
    default:
      return true;
  }
}

function onStartStream(s: ScriptState, effects: HostEffect[], c: StreamingMessage['content']): void {
  if (c.case !== 'startStream')
    return abort(s, effects, `the first message was ${c.case ?? 'empty'}, expected startStream`);
  const { config } = s;
  if (c.value.workerId !== config.workerId)
    return abort(s, effects, `StartStream worker id ${c.value.workerId} is not ${config.workerId}`);
  s.st.phase = 'await-init';
  out(
    s,
    effects,
    msg('workerInitRequest', {
      hostVersion: config.hostVersion,
      capabilities: { MultiStream: '10' },
      logCategories: {},
      workerDirectory: config.appDirectory,
      functionAppDirectory: config.appDirectory,
    }),
  );
}

function onInitResponse(s: ScriptState, effects: HostEffect[], r: Member<'workerInitResponse'>): void {
  if (r.result?.status !== STATUS.Success)
    return abort(
      s,
      effects,
      `worker init failed: ${r.result?.exception?.message ?? r.result?.result ?? 'no result'}`,
    );
  s.capabilities = r.capabilities;
  s.st.workerCapabilities = Object.keys(s.capabilities).sort();
  const wm = r.workerMetadata;
  if (wm)
    s.st.workerMetadata = {
      runtimeName: wm.runtimeName,
      runtimeVersion: wm.runtimeVersion,
      workerVersion: wm.workerVersion,
      workerBitness: wm.workerBitness,
      ...wm.customProperties,
    };
  if (!s.config.reloadEnv) return sendMetadataRequest(s, effects);
  s.st.phase = 'await-reload';
  out(
    s,
    effects,
    msg('functionEnvironmentReloadRequest', {
      environmentVariables: {
        AzureWebJobsStorage: 'UseDevelopmentStorage=true',
        FUNCTIONS_WORKER_RUNTIME: 'functape',
        WEBSITE_SITE_NAME: 'functape-demo',
        DEMO_CONNECTION_STRING: 'Server=demo;Password=not-a-real-secret',
      },
      functionAppDirectory: s.config.appDirectory,
    }),
  );
}

function sendMetadataRequest(s: ScriptState, effects: HostEffect[]): void {
  s.st.phase = 'await-metadata';
  out(s, effects, msg('functionsMetadataRequest', { functionAppDirectory: s.config.appDirectory }));
}

/** Every function the script invokes must be in the metadata; otherwise it terminates. */
function onMetadataResponse(
  s: ScriptState,
  effects: HostEffect[],
  r: Member<'functionMetadataResponse'>,
): void {
  const md = r.functionMetadataResults;
  const missing = s.config.functions.filter((fn) => !md.some((f) => f.name === fn));
  if (missing.length > 0) {
    note(
      s,
      `the worker has no function ${missing.join(', ')} (it has ${md.map((f) => f.name).join(', ') || 'none'})`,
    );
    return terminate(s, effects);
  }
  sendLoads(s, effects, md);
}

function sendLoads(s: ScriptState, effects: HostEffect[], metadata: RpcFunctionMetadata[]): void {
  s.st.phase = 'await-load';
  const requests = metadata.map((m) => {
    // Worker-indexed functions keep the worker's id (the name); otherwise the host mints a GUID.
    const functionId = m.functionId || s.config.newGuid();
    s.functionIds.set(m.name, functionId);
    s.triggerBindings.set(m.name, triggerBindingName(m));
    s.pendingLoads.add(functionId);
    return { functionId, metadata: { ...m, functionId }, managedDependencyEnabled: false };
  });
  if ('SupportsLoadResponseCollection' in s.capabilities) {
    out(s, effects, msg('functionLoadRequestCollection', { functionLoadRequests: requests }));
  } else {
    for (const r of requests) out(s, effects, msg('functionLoadRequest', r));
  }
}

/** Invoking starts once every load is answered, unless a load of a scripted function failed. */
function onLoadResponses(
  s: ScriptState,
  effects: HostEffect[],
  responses: Member<'functionLoadResponse'>[],
): void {
  for (const r of responses) {
    s.pendingLoads.delete(r.functionId);
    const name = [...s.functionIds].find(([, id]) => id === r.functionId)?.[0];
    if (r.result?.status !== STATUS.Success && name && s.config.functions.includes(name)) {
      note(s, `loading ${name} failed: ${r.result?.exception?.message ?? r.result?.result ?? ''}`);
    }
  }
  if (s.pendingLoads.size > 0) return;
  if (s.st.unexpected) return terminate(s, effects);
  s.st.phase = 'invoking';
  sendInvocations(s, effects);
}
