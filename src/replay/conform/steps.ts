import { decide, type Received, type RunState } from './run-state.js';
import {
  invocationRequestJson,
  loadRequestJson,
  namedFunctionMetadata,
  type KnownFunction,
} from './requests.js';
import type { Check, InvokeStep, Step } from './scenario.js';
import { expand } from './templates.js';
import { firstFailedCheck, matches } from './view.js';

/** Messages a step asks to send (proto3 JSON or raw bytes) and how the host ends the stream. */
export interface StepEffects {
  send: { message?: Record<string, unknown>; raw?: Uint8Array; unknownField?: boolean }[];
  end?: 'ok' | 'cancel';
}

/** 'next': the step is done (or decided the verdict); otherwise it waits until `wakeAtMs` or a message. */
export type StepOutcome = 'next' | { wakeAtMs: number };

/** How long an `expect` waits by default: generous, so a loaded machine does not fail a worker. */
const DEFAULT_EXPECT_MS = 10_000;
const seconds = (ms: number) => `${ms / 1000} s`;

/** One step of a scenario (see scenario.ts for what each kind means). */
export function runStep(r: RunState, step: Step, nowMs: number, fx: StepEffects): StepOutcome {
  learn(r);
  const since = nowMs - r.stepStartMs;
  if ('send' in step) {
    fx.send.push({ message: expand(step.send, r.scope), unknownField: step.unknownField });
    return 'next';
  }
  if ('raw' in step) {
    fx.send.push({ raw: Uint8Array.from(Buffer.from(step.raw, 'hex')) });
    return 'next';
  }
  if ('invoke' in step) return invoke(r, step, fx);
  if ('load' in step) return load(r, step, nowMs, fx);
  if ('expect' in step) return expectStep(r, step, nowMs);
  if ('seen' in step) {
    const where = expand(step.where ?? {}, r.scope);
    const hits = r.received.filter((m) => m.kind === step.seen && matches(m.view, where));
    if (hits.length === 0)
      decide(r, 'fail', step.reason ?? `no ${step.seen} ${JSON.stringify(where)} was received`);
    for (const m of hits) m.claimed = true;
    return 'next';
  }
  if ('absent' in step) {
    const where = expand(step.where ?? {}, r.scope);
    const found = r.received.find((m) => !m.claimed && m.kind === step.absent && matches(m.view, where));
    if (found) {
      decide(r, 'fail', step.reason ?? `an unexpected ${step.absent} ${JSON.stringify(where)} arrived`);
      return 'next';
    }
    if (since >= step.for) return 'next';
    return (
      goneWhileWaiting(r, `waited ${seconds(step.for)} for no ${step.absent}`, nowMs) ?? {
        wakeAtMs: r.stepStartMs + step.for,
      }
    );
  }
  if ('wait' in step) return since >= step.wait ? 'next' : { wakeAtMs: r.stepStartMs + step.wait };
  if ('end' in step) {
    fx.end = step.end;
    r.hostEnded = true;
    return 'next';
  }
  if ('halfClose' in step) {
    if (r.peerHalfClosed !== undefined || r.exit || r.streamEnd) return 'next';
    if (since >= step.halfClose)
      decide(r, 'fail', `the worker did not end its stream within ${seconds(step.halfClose)}`);
    return since >= step.halfClose ? 'next' : { wakeAtMs: r.stepStartMs + step.halfClose };
  }
  return exitStep(r, step.exit, since);
}

/** What the worker's answers teach the host: its capabilities and its functions. */
function learn(r: RunState): void {
  for (const m of r.received) {
    if (m.learned) continue;
    m.learned = true;
    if (m.kind === 'workerInitResponse' || m.kind === 'functionEnvironmentReloadResponse')
      r.capabilities = { ...((m.view.capabilities as Record<string, string>) ?? {}) };
    if (m.kind === 'functionMetadataResponse')
      for (const md of (m.view.functionMetadataResults ?? []) as Record<string, unknown>[]) {
        const name = String(md.name ?? '');
        if (!name || r.functions.has(name)) continue;
        r.functions.set(name, { name, functionId: String(md.functionId || r.ctx.newGuid()), metadata: md });
      }
  }
}

/** The function invocations call: `--function`, else the first indexed HTTP function, else the first. */
function target(r: RunState): KnownFunction | undefined {
  const { ctx } = r;
  let f: KnownFunction | undefined;
  if (ctx.target) {
    f = r.functions.get(ctx.target);
    if (!f) {
      const metadata = ctx.sampleLoad?.metadata ?? namedFunctionMetadata(ctx.target, ctx.appDirectory);
      f = { name: ctx.target, functionId: ctx.sampleLoad?.functionId || ctx.newGuid(), metadata };
      r.functions.set(ctx.target, f);
    }
  } else {
    const all = [...r.functions.values()];
    f = all.find((x) => JSON.stringify(x.metadata.bindings ?? {}).includes('httpTrigger')) ?? all[0];
  }
  if (f) Object.assign(r.scope.vars, { function: f.name, functionId: f.functionId });
  return f;
}

const NO_FUNCTION = 'no function to call: the worker indexed none (name one with --function)';

function invoke(r: RunState, step: InvokeStep, fx: StepEffects): StepOutcome {
  const t = target(r);
  if (!t) {
    decide(r, 'skipped', NO_FUNCTION);
    return 'next';
  }
  const preferred = step.prefer ? r.loaded.has(step.prefer) && r.functions.get(step.prefer) : undefined;
  const f = preferred || t;
  if (preferred) r.preferred.add(step.invoke);
  const invocationId = expand(`{{id:${step.invoke}}}`, r.scope);
  const traceId = r.ctx.newGuid().replace(/-/g, '');
  const request = invocationRequestJson(f, invocationId, step, {
    preferred: !!preferred,
    sample: r.ctx.sampleInvocation,
    traceId,
  });
  fx.send.push({ message: { invocationRequest: request }, unknownField: step.unknownField });
  return 'next';
}

type LoadStep = Extract<Step, { load: unknown }>;

/** Send the loads once, then wait until every one is answered (successfully, unless told otherwise). */
function load(r: RunState, step: LoadStep, nowMs: number, fx: StepEffects): StepOutcome {
  if (!r.pendingLoads) {
    const t = target(r);
    if (!t) {
      decide(r, 'skipped', NO_FUNCTION);
      return 'next';
    }
    const fns = step.only === 'target' ? [t] : [...r.functions.values()];
    const collection =
      step.load === 'collection' ||
      (step.load === 'auto' &&
        r.capabilities !== undefined &&
        'SupportsLoadResponseCollection' in r.capabilities);
    const requests = fns.map(loadRequestJson);
    if (collection)
      fx.send.push({ message: { functionLoadRequestCollection: { functionLoadRequests: requests } } });
    else for (const q of requests) fx.send.push({ message: { functionLoadRequest: q } });
    r.pendingLoads = new Set(fns.map((f) => f.functionId));
    for (const f of fns) r.loaded.add(f.name);
    if (step.noWait) {
      r.pendingLoads = undefined;
      return 'next';
    }
  }
  for (const m of r.received) {
    if (m.claimed || (m.kind !== 'functionLoadResponse' && m.kind !== 'functionLoadResponseCollection'))
      continue;
    m.claimed = true;
    const answers =
      m.kind === 'functionLoadResponse'
        ? [m.view]
        : ((m.view.functionLoadResponses ?? []) as Record<string, unknown>[]);
    for (const a of answers) {
      const id = String(a.functionId ?? '');
      r.pendingLoads.delete(id);
      const failed = firstFailedCheck('functionLoadResponse', a, [{ path: 'result.status', is: 'Success' }]);
      if (failed && step.expectSuccess !== false) {
        decide(r, 'fail', `loading ${id} failed: ${failed}`);
        return 'next';
      }
    }
  }
  if (r.pendingLoads.size === 0) {
    r.pendingLoads = undefined;
    return 'next';
  }
  const what = `a FunctionLoadResponse for ${[...r.pendingLoads].join(', ')}`;
  return waitFor(r, nowMs, r.ctx.expectMs ?? DEFAULT_EXPECT_MS, what);
}

type ExpectStep = Extract<Step, { expect: unknown }>;

function expectStep(r: RunState, step: ExpectStep, nowMs: number): StepOutcome {
  const where = expand(step.where ?? {}, r.scope);
  const want = step.count ?? 1;
  const found: Received[] = [];
  for (const m of r.received) {
    if (found.length >= want) break;
    if (!m.claimed && m.kind === step.expect && matches(m.view, where)) found.push(m);
  }
  if (found.length < want) {
    const what = `${want > 1 ? `${want} × ` : ''}${step.expect}${Object.keys(where).length ? ` ${JSON.stringify(where)}` : ''}${found.length ? ` (got ${found.length})` : ''}`;
    return waitFor(r, nowMs, step.within ?? r.ctx.expectMs ?? DEFAULT_EXPECT_MS, what);
  }
  const checks: Check[] = expand(step.check ?? [], r.scope).filter(
    (c) => c.whenPreferred === undefined || r.preferred.has(c.whenPreferred),
  );
  for (const m of found) {
    m.claimed = true;
    const bad = firstFailedCheck(step.expect, m.view, checks);
    if (bad) {
      decide(r, 'fail', bad);
      return 'next';
    }
  }
  return 'next';
}

/** Keep waiting for `what` until `withinMs` after the step began; fail when the worker is gone or time is up. */
function waitFor(r: RunState, nowMs: number, withinMs: number, what: string): StepOutcome {
  const gone = goneWhileWaiting(r, `waited for ${what}`, nowMs);
  if (gone) return gone;
  if (nowMs - r.stepStartMs >= withinMs) {
    decide(r, 'fail', `no ${what} within ${seconds(withinMs)}`);
    return 'next';
  }
  return { wakeAtMs: r.stepStartMs + withinMs };
}

/** A stream that ends is given this long to turn out to be the process's exit (the better reason). */
const EXIT_AFTER_STREAM_MS = 1000;

function goneWhileWaiting(r: RunState, doing: string, nowMs: number): StepOutcome | undefined {
  if (r.exit) {
    decide(
      r,
      'fail',
      `the worker exited (${r.exit.signal ?? `code ${r.exit.code}`}) while the host ${doing}`,
    );
    return 'next';
  }
  if (r.streamEnd && !r.hostEnded && nowMs - r.streamEnd.atMs < EXIT_AFTER_STREAM_MS)
    return { wakeAtMs: r.streamEnd.atMs + EXIT_AFTER_STREAM_MS };
  if (r.streamEnd && !r.hostEnded) {
    decide(
      r,
      'fail',
      `the worker's stream ended (${r.streamEnd.code} ${r.streamEnd.details}) while the host ${doing}`,
    );
    return 'next';
  }
  return undefined;
}

function exitStep(r: RunState, want: { within: number; code?: number }, since: number): StepOutcome {
  if (r.exit) {
    if (want.code !== undefined && r.exit.code !== want.code)
      decide(
        r,
        'fail',
        `the worker exited with ${r.exit.signal ?? `code ${r.exit.code}`}, expected code ${want.code}`,
      );
    return 'next';
  }
  if (since >= want.within) {
    decide(r, 'fail', `the worker did not exit within ${seconds(want.within)}`);
    return 'next';
  }
  return { wakeAtMs: r.stepStartMs + want.within };
}
