import { httpReturnValue, readHttpInput, type HttpInput, type HttpOutput } from './http-data.js';
import type { FunctionResult, LogLine } from './builtin-functions.js';
import {
  LOG_CATEGORY,
  LOG_LEVEL,
  failure,
  msg,
  success,
  type InvocationRequest,
  type Member,
} from './messages.js';
import { send, type InvocationCost, type WorkerEffect, type WorkerState } from './worker-state.js';

/**
 * The reference worker's loads and invocations. Contract: every InvocationRequest gets
 * exactly one InvocationResponse (now, or when its sleep timer fires or it is cancelled),
 * except after `crash`; RpcLogs of an invocation precede its response.
 */

export const CRASH_EXIT_CODE = 70;

const EMPTY_INPUT: HttpInput = { method: '', url: '', query: {}, headers: {}, body: new Uint8Array(0) };
type LoadRequest = Member<'functionLoadRequest'>;

/** A FunctionLoadResponse's fields: the function loaded under the request's id, or a failure. */
export function load(w: WorkerState, req: LoadRequest): object {
  const name = req.metadata?.name || req.functionId;
  const fn = w.functions.get(name);
  if (!fn)
    return {
      functionId: req.functionId,
      result: failure(`functape worker has no function named '${name}'`, {
        type: 'FunctionNotFound',
        source: 'functape-worker',
      }),
    };
  w.loaded.set(req.functionId, fn);
  w.bindingsOf.set(req.functionId, new Set(Object.keys(req.metadata?.bindings ?? {})));
  return { functionId: req.functionId, result: success(), isDependencyDownloaded: false };
}

function logs(invocationId: string, fn: string, lines: LogLine[] | undefined, out: WorkerEffect[]): void {
  for (const line of lines ?? []) {
    out.push(
      send(
        msg('rpcLog', {
          invocationId,
          category: `Function.${fn}.User`,
          level: line.level,
          message: line.message,
          logCategory: LOG_CATEGORY.User,
        }),
      ),
    );
  }
}

/** What a function's result becomes: logs then a response, a sleep timer, or the process's exit. */
export function respond(
  w: WorkerState,
  requestId: string,
  invocationId: string,
  fn: string,
  result: FunctionResult,
  out: WorkerEffect[],
): void {
  switch (result.type) {
    case 'return': {
      logs(invocationId, fn, result.logs, out);
      const output = w.config.bugs?.noise ? noisy(w, result.output) : result.output;
      out.push(
        send(
          msg(
            'invocationResponse',
            { invocationId, returnValue: httpReturnValue(output), result: success() },
            requestId,
          ),
        ),
      );
      return;
    }
    case 'fail':
      logs(invocationId, fn, result.logs, out);
      out.push(
        send(
          msg(
            'invocationResponse',
            {
              invocationId,
              result: failure(result.message, {
                type: result.exceptionType,
                source: fn,
                isUserException: true,
                stackTrace: `${result.exceptionType}: ${result.message}\n    at ${fn} (functape-worker)`,
              }),
            },
            requestId,
          ),
        ),
      );
      return;
    case 'sleep':
      w.sleeping.set(invocationId, { requestId, fn, ms: result.ms });
      out.push({ type: 'set-timer', id: invocationId, ms: result.ms });
      return;
    case 'crash':
      out.push({
        type: 'exit',
        code: CRASH_EXIT_CODE,
        reason: `function '${fn}' crashed the worker (invocation ${invocationId})`,
      });
  }
}

/** A decoded InvocationRequest (the slow path): refused when not loaded or naming an unknown binding. */
export function invoke(w: WorkerState, requestId: string, req: InvocationRequest, out: WorkerEffect[]): void {
  const { config } = w;
  w.stats.invocations++;
  if (config.bugs?.cancelRace) w.received.add(req.invocationId);
  const fn = w.loaded.get(req.functionId);
  if (!fn) {
    out.push(
      send(
        msg(
          'invocationResponse',
          {
            invocationId: req.invocationId,
            result: failure(`function id '${req.functionId}' is not loaded`, {
              type: 'FunctionNotLoaded',
              source: 'functape-worker',
            }),
          },
          requestId,
        ),
      ),
    );
    return;
  }
  if (config.logWorkerId) {
    out.push(
      send(
        msg('rpcLog', {
          invocationId: req.invocationId,
          category: 'System',
          level: LOG_LEVEL.Debug,
          logCategory: LOG_CATEGORY.System,
          message: `Worker ${config.workerId} received FunctionInvocationRequest with invocationId ${req.invocationId}`,
        }),
      ),
    );
  }
  const known = w.bindingsOf.get(req.functionId);
  const unknown = config.bindingName ? req.inputData.find((b) => !known?.has(b.name)) : undefined;
  if (unknown) {
    out.push(
      send(
        msg(
          'invocationResponse',
          {
            invocationId: req.invocationId,
            result: failure(`Failed to find binding "${unknown.name}"`, {
              type: 'Error',
              source: 'functape-worker',
            }),
          },
          requestId,
        ),
      ),
    );
    return;
  }
  if (w.cost) spend(req.invocationId, fn.name, w.cost, out);
  const bugs = config.bugs;
  if (bugs?.concurrency !== undefined && w.sleeping.size + 1 > bugs.concurrency) {
    const reason = `--bug concurrency=${bugs.concurrency}: ${w.sleeping.size + 1} invocations in flight`;
    out.push({ type: 'exit', code: CRASH_EXIT_CODE, reason });
    return;
  }
  // --bug state: a `fail` leaves state behind that later `hello` answers read.
  const options = bugs?.state && w.failed ? { greeting: 'Goodbye' } : w.options;
  if (bugs?.state && fn.name === 'fail') w.failed = true;
  respond(w, requestId, req.invocationId, fn.name, fn.run(readHttpInput(req) ?? EMPTY_INPUT, options), out);
}

/** Bug `noise`: the answer carries a fresh GUID and the current time, as many real apps' answers do. */
function noisy(w: WorkerState, output: HttpOutput): HttpOutput {
  const e = w.config.entropy ?? { newId: () => '00000000-0000-0000-0000-000000000000', nowMs: () => 0 };
  return {
    ...output,
    headers: { ...output.headers, 'x-request-id': e.newId(), date: new Date(e.nowMs()).toUTCString() },
  };
}

/** The invocation's overhead (InvocationCost): CPU, then the worker's own RpcLogs. */
function spend(invocationId: string, fn: string, c: InvocationCost, out: WorkerEffect[]): void {
  if (c.workUs > 0) out.push({ type: 'work', us: c.workUs });
  for (let i = 1; i <= c.logs; i++) {
    out.push(
      send(
        msg('rpcLog', {
          invocationId,
          category: `Function.${fn}`,
          level: LOG_LEVEL.Information,
          logCategory: LOG_CATEGORY.System,
          message: `Executing '${fn}' (invocation ${invocationId}): worker log ${i} of ${c.logs}`,
        }),
      ),
    );
  }
}
