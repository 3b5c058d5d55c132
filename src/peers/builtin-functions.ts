import type { HttpInput, HttpOutput } from './http-data.js';
import { BINDING_DIRECTION, LOG_LEVEL } from './messages.js';

/**
 * The reference worker's built-in HTTP functions. Each is a pure function of its input
 * and options: the same request gives the same answer (so replays diff clean).
 */

export interface LogLine {
  level: number;
  message: string;
}

export type FunctionResult =
  | { type: 'return'; output: HttpOutput; logs?: LogLine[] }
  | { type: 'fail'; message: string; exceptionType: string; logs?: LogLine[] }
  /** Answer after `ms`, unless cancelled first. */
  | { type: 'sleep'; ms: number }
  /** Kill the worker process mid-invocation (for tests of a worker that dies). */
  | { type: 'crash' };

export interface FunctionOptions {
  /** The word `hello` greets with (default "Hello"). */
  greeting: string;
}

export interface BuiltinFunction {
  name: string;
  summary: string;
  run(input: HttpInput, options: FunctionOptions): FunctionResult;
}

const MIB = 1024 * 1024;
/** Caps keep one request from exhausting the worker. */
const MAX_SLEEP_MS = 3_600_000;
const MAX_LOGS = 100_000;
const MAX_BIG_MB = 1900;

function numberParam(query: Record<string, string>, key: string, fallback: number, max: number): number {
  const raw = query[key];
  const n = raw === undefined ? NaN : Number(raw);
  if (!Number.isFinite(n) || n < 0) return fallback;
  return Math.min(n, max);
}

const text = (body: string): HttpOutput => ({ status: 200, contentType: 'text/plain; charset=utf-8', body });

/** Deterministic filler: a repeating printable pattern, so a diff shows where sizes differ. */
export function bigBody(bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  const pattern = new TextEncoder().encode('functape big body 0123456789abcdefghijklmnopqrstuvwxyz\n');
  for (let i = 0; i < bytes; i += pattern.length)
    out.set(pattern.subarray(0, Math.min(pattern.length, bytes - i)), i);
  return out;
}

export const BUILTIN_FUNCTIONS: readonly BuiltinFunction[] = [
  {
    name: 'echo',
    summary: 'returns the request body (and its content type)',
    run: (input) => ({
      type: 'return',
      output: {
        status: 200,
        contentType: input.headers['content-type'] ?? 'application/octet-stream',
        body: input.body,
      },
    }),
  },
  {
    name: 'hello',
    summary: '"<greeting>, <name>!" with ?name= (default world); --greeting changes the word',
    run: (input, options) => ({
      type: 'return',
      output: text(`${options.greeting}, ${input.query.name ?? 'world'}!`),
    }),
  },
  {
    name: 'sleep',
    summary: 'answers after ?ms= milliseconds (default 100); cancellable with InvocationCancel',
    run: (input) => ({ type: 'sleep', ms: Math.round(numberParam(input.query, 'ms', 100, MAX_SLEEP_MS)) }),
  },
  {
    name: 'fail',
    summary: 'returns Failure with an RpcException (and logs the error)',
    run: (input) => {
      const message = `fail was asked to fail${input.query.reason ? `: ${input.query.reason}` : ''}`;
      return {
        type: 'fail',
        message,
        exceptionType: 'FunctapeTestError',
        logs: [{ level: LOG_LEVEL.Error, message: `Executed 'fail' (Failed): ${message}` }],
      };
    },
  },
  {
    name: 'log',
    summary: 'emits ?count= RpcLogs (default 10) carrying the invocation id, then answers',
    run: (input) => {
      const count = Math.floor(numberParam(input.query, 'count', 10, MAX_LOGS));
      const levels = [LOG_LEVEL.Information, LOG_LEVEL.Debug, LOG_LEVEL.Warning, LOG_LEVEL.Trace];
      const logs = Array.from({ length: count }, (_, i) => ({
        level: levels[i % levels.length]!,
        message: `log line ${i + 1} of ${count}`,
      }));
      return { type: 'return', output: text(`logged ${count} lines`), logs };
    },
  },
  {
    name: 'big',
    summary: 'answers with a body of ?mb= MiB (default 1, fractions allowed)',
    run: (input) => {
      const bytes = Math.round(numberParam(input.query, 'mb', 1, MAX_BIG_MB) * MIB);
      return {
        type: 'return',
        output: { status: 200, contentType: 'application/octet-stream', body: bigBody(bytes) },
      };
    },
  },
  {
    name: 'noop',
    summary: 'does nothing and answers 200 with no body (the benchmark ceiling)',
    run: () => ({ type: 'return', output: { status: 200, contentType: 'text/plain', body: '' } }),
  },
  {
    name: 'crash',
    summary: 'the worker process exits at once with code 70, without answering (for failure tests)',
    run: () => ({ type: 'crash' }),
  },
];

export const BUILTIN_BY_NAME: ReadonlyMap<string, BuiltinFunction> = new Map(
  BUILTIN_FUNCTIONS.map((f) => [f.name, f]),
);

/**
 * Worker-indexed metadata for one function, as a FunctionMetadataResponse lists it:
 * an HTTP trigger `binding` (default `req`) in, the HTTP `$return` out, function_id = the name.
 */
export function builtinMetadata(name: string, appDirectory: string, binding = 'req'): object {
  const trigger = {
    name: binding,
    type: 'httpTrigger',
    direction: 'in',
    authLevel: 'anonymous',
    methods: ['get', 'post'],
    route: name,
  };
  const output = { name: '$return', type: 'http', direction: 'out' };
  return {
    name,
    functionId: name,
    directory: appDirectory,
    scriptFile: 'functape-worker',
    entryPoint: name,
    language: 'functape',
    isProxy: false,
    bindings: {
      [binding]: { type: 'httpTrigger', direction: BINDING_DIRECTION.in, dataType: 0, properties: {} },
      $return: { type: 'http', direction: BINDING_DIRECTION.out, dataType: 0, properties: {} },
    },
    rawBindings: [JSON.stringify(trigger), JSON.stringify(output)],
    status: { status: 1 },
    properties: { 'functape.builtin': 'true' },
  };
}
