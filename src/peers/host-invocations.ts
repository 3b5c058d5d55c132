import { checkResponse, planInvocation, type PlanOptions } from './invocation-plan.js';
import { LOG_CATEGORY, msg, STATUS_NAME, type Member } from './messages.js';
import { hex, note, out, terminate, type HostEffect, type ScriptState } from './host-script-state.js';

/** The scripted host's invoking phase: at most `concurrency` invocations unanswered, each answer checked once. */

/** Counts a log; a User log of an invocation in flight counts towards its plan. */
export function onLog(s: ScriptState, log: Member<'rpcLog'>): void {
  const inv = log.invocationId ? s.inFlight.get(log.invocationId) : undefined;
  if (inv) {
    // Only the function's own (User) logs are what the plan counts: real workers add System ones.
    if (log.logCategory === LOG_CATEGORY.User) inv.logs++;
    s.st.logs.invocation++;
  } else {
    s.st.logs.other++;
  }
}

/** Fills the free slots with invocations; after the last answer, asks for status or terminates. */
export function sendInvocations(s: ScriptState, effects: HostEffect[]): void {
  const { config, st } = s;
  const rawBodyBytes = 'RawHttpBodyBytes' in s.capabilities;
  // A host cancels only workers that advertised HandlesInvocationCancelMessage.
  const cancelEvery = 'HandlesInvocationCancelMessage' in s.capabilities ? config.plan.cancelEvery : 0;
  while (st.sent < config.invocations && s.inFlight.size < config.concurrency) {
    sendInvocation(s, effects, { ...config.plan, cancelEvery, rawBodyBytes });
  }
  if (st.sent >= config.invocations && s.inFlight.size === 0) {
    // A host asks for status only when the worker advertised WorkerStatus.
    if ('WorkerStatus' in s.capabilities) {
      st.phase = 'await-status';
      st.statusSent = true;
      s.statusRequestId = config.newGuid();
      out(s, effects, msg('workerStatusRequest', {}, s.statusRequestId));
    } else {
      terminate(s, effects);
    }
  }
}

/** The next invocation (functions cycled in order), planned, encoded, in flight; its cancel right after. */
export function sendInvocation(s: ScriptState, effects: HostEffect[], options: PlanOptions): void {
  const { config, st } = s;
  const fn = config.functions[st.sent % config.functions.length]!;
  const n = s.perFunctionIndex.get(fn) ?? 0;
  s.perFunctionIndex.set(fn, n + 1);
  const plan = { ...planInvocation(fn, n, options), binding: s.triggerBindings.get(fn)! };
  const invocationId = config.newGuid();
  const trace = config.newGuid();
  const request = s.encodeRequest(
    plan,
    {
      invocationId,
      functionId: s.functionIds.get(fn)!,
      traceId: hex(trace),
      spanId: hex(config.newGuid()).slice(0, 16),
      randGuid: config.newGuid(),
      utcNow: new Date(config.wallNow()).toISOString(),
    },
    options,
  );
  const now = config.now();
  st.invokeStartNs ??= now;
  s.inFlight.set(invocationId, { fn, startNs: now, expect: plan.expect, logs: 0 });
  st.sent++;
  st.byFunction[fn]!.sent++;
  st.messages.toWorker++;
  effects.push({ type: 'send', bytes: request });
  if (plan.cancel) {
    out(s, effects, msg('invocationCancel', { invocationId, gracePeriod: { seconds: 0n, nanos: 0 } }));
  }
}

/** Checks an answer against its plan exactly once (an unknown id is noted), then refills the slots. */
export function onInvocationResponse(
  s: ScriptState,
  effects: HostEffect[],
  m: Member<'invocationResponse'>,
): void {
  const inv = s.inFlight.get(m.invocationId);
  if (!inv) return note(s, `an InvocationResponse for unknown invocation ${m.invocationId}`);
  s.inFlight.delete(m.invocationId);
  s.st.answered++;
  const now = s.config.now();
  s.st.invokeEndNs = now;
  s.config.recordLatency(inv.fn, Number(now - inv.startNs));
  const counts = s.st.byFunction[inv.fn]!;
  const status = STATUS_NAME[m.result?.status ?? -1];
  if (status === 'Success') counts.success++;
  else if (status === 'Failure') counts.failure++;
  else if (status === 'Cancelled') counts.cancelled++;
  const problem = checkResponse(inv.expect, m, inv.logs);
  if (problem) {
    counts.unexpected++;
    note(s, `${inv.fn} ${m.invocationId}: ${problem}`);
  } else {
    counts.ok++;
  }
  if (s.st.phase === 'invoking') sendInvocations(s, effects);
}
