import { msg, STATUS_NAME, type InvocationResponse, type MessageInit, type StatusName } from './messages.js';
import { typedDataBytes } from './http-data.js';
import { DEFAULT_TRIGGER_BINDING } from './trigger-binding.js';

/**
 * What the scripted host sends for its i-th invocation of a built-in function, and what
 * it expects back: plain data, so a test can read the plan without running it.
 */

export interface PlanOptions {
  /** `?count=` for `log`. */
  logCount: number;
  /** `?mb=` for `big`. */
  bigMb: number;
  /** Every cancelEvery-th `sleep` sleeps a minute and is cancelled at once (0 = never). */
  cancelEvery: number;
  /** The worker asked for raw body bytes (RawHttpBodyBytes). */
  rawBodyBytes: boolean;
}

export interface Expectation {
  status: StatusName;
  /** Exact body text. */
  body?: string;
  /** The body must end with this (hello: the greeting word may differ). */
  bodyEndsWith?: string;
  bodyBytes?: number;
  /** User RpcLogs carrying the invocation id, before the response (System logs are not counted). */
  logs?: number;
}

export interface PlannedInvocation {
  fn: string;
  method: 'GET' | 'POST';
  query: Record<string, string>;
  body?: { text: string; contentType: string };
  /** Send InvocationCancel right after the request. */
  cancel: boolean;
  /** The trigger binding's name in the function's metadata (`input_data` carries the HTTP request under it). */
  binding?: string;
  expect: Expectation;
}

const NAMES = ['Ada', 'Grace', 'Linus', 'Barbara', 'Ken', 'Margaret', 'Dennis', 'Frances'];

/** The i-th invocation of function `fn` (`n` counts that function's invocations from 0). */
export function planInvocation(fn: string, n: number, options: PlanOptions): PlannedInvocation {
  const get = (query: Record<string, string>, expect: Expectation): PlannedInvocation => ({
    fn,
    method: 'GET',
    query,
    cancel: false,
    expect,
  });
  switch (fn) {
    case 'echo': {
      const text = JSON.stringify({ seq: n, text: `echo #${n}` });
      return {
        fn,
        method: 'POST',
        query: {},
        body: { text, contentType: 'application/json' },
        cancel: false,
        expect: { status: 'Success', body: text },
      };
    }
    case 'hello': {
      const name = NAMES[n % NAMES.length]!;
      return get({ name }, { status: 'Success', bodyEndsWith: `, ${name}!` });
    }
    case 'sleep': {
      if (options.cancelEvery > 0 && n % options.cancelEvery === options.cancelEvery - 1) {
        return { ...get({ ms: '60000' }, { status: 'Cancelled' }), cancel: true };
      }
      const ms = 1 + (n % 5);
      return get({ ms: String(ms) }, { status: 'Success', body: `slept ${ms} ms` });
    }
    case 'fail':
      return get({ reason: `case ${n}` }, { status: 'Failure' });
    case 'log':
      return get(
        { count: String(options.logCount) },
        { status: 'Success', logs: options.logCount, body: `logged ${options.logCount} lines` },
      );
    case 'big':
      return get(
        { mb: String(options.bigMb) },
        { status: 'Success', bodyBytes: Math.round(options.bigMb * 1024 * 1024) },
      );
    default:
      // noop, and functions the host knows nothing about: expect success, check nothing else.
      return get({}, { status: 'Success' });
  }
}

export interface RequestIds {
  invocationId: string;
  functionId: string;
  traceId: string;
  spanId: string;
  randGuid: string;
  utcNow: string;
}

/**
 * The part of an InvocationRequest that depends only on the plan (input_data with the HTTP
 * request, the Query and Headers trigger metadata): the same for equal plans.
 */
export function staticRequestFields(
  p: PlannedInvocation,
  options: PlanOptions,
): { inputData: object[]; triggerMetadata: Record<string, object> } {
  const qs = new URLSearchParams(p.query).toString();
  const headers: Record<string, string> = {
    host: 'localhost:7071',
    'user-agent': 'functape-host',
    accept: '*/*',
    'x-functions-key': 'functape-demo-key-not-a-secret',
  };
  if (p.body) headers['content-type'] = p.body.contentType;
  const bodyBytes = p.body ? new TextEncoder().encode(p.body.text) : undefined;
  const http = {
    method: p.method,
    url: `http://localhost:7071/api/${p.fn}${qs ? `?${qs}` : ''}`,
    headers,
    query: p.query,
    params: {},
    ...(p.body
      ? {
          body: { data: { case: 'string', value: p.body.text } },
          rawBody: options.rawBodyBytes
            ? { data: { case: 'bytes', value: bodyBytes } }
            : { data: { case: 'string', value: p.body.text } },
        }
      : {}),
    identities: [
      {
        authenticationType: { string: { case: 'value', value: 'WebJobsAuthLevel' } },
        nameClaimType: {
          string: { case: 'value', value: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name' },
        },
        roleClaimType: {
          string: { case: 'value', value: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role' },
        },
        claims: [
          { type: 'http://schemas.microsoft.com/2017/07/functions/claims/authlevel', value: 'Function' },
        ],
      },
    ],
  };
  return {
    inputData: [
      {
        name: p.binding ?? DEFAULT_TRIGGER_BINDING,
        rpcData: { case: 'data', value: { data: { case: 'http', value: http } } },
      },
    ],
    triggerMetadata: {
      Query: { data: { case: 'json', value: JSON.stringify(p.query) } },
      Headers: { data: { case: 'json', value: JSON.stringify(headers) } },
    },
  };
}

/** The per-invocation part: ids, the `sys` trigger metadata and the trace context. */
export function dynamicRequestFields(p: PlannedInvocation, ids: RequestIds): object {
  return {
    invocationId: ids.invocationId,
    functionId: ids.functionId,
    triggerMetadata: {
      sys: {
        data: {
          case: 'json',
          value: JSON.stringify({ MethodName: p.fn, UtcNow: ids.utcNow, RandGuid: ids.randGuid }),
        },
      },
    },
    traceContext: {
      traceParent: `00-${ids.traceId}-${ids.spanId}-00`,
      traceState: '',
      attributes: { OperationName: p.fn, Category: `Function.${p.fn}` },
    },
  };
}

/** The InvocationRequest a Functions host sends for an HTTP trigger. */
export function invocationRequest(p: PlannedInvocation, ids: RequestIds, options: PlanOptions): MessageInit {
  const fixed = staticRequestFields(p, options);
  const dynamic = dynamicRequestFields(p, ids) as { triggerMetadata: Record<string, object> };
  return msg('invocationRequest', {
    ...fixed,
    ...dynamic,
    triggerMetadata: { ...fixed.triggerMetadata, ...dynamic.triggerMetadata },
  });
}

/** Why a response does not meet the expectation, or undefined when it does. */
export function checkResponse(
  expect: Expectation,
  res: InvocationResponse,
  logs: number,
): string | undefined {
  const status = STATUS_NAME[res.result?.status ?? -1] ?? `status ${res.result?.status}`;
  if (status !== expect.status) {
    const why = res.result?.exception?.message || res.result?.result;
    return `status ${status}${why ? ` (${why})` : ''}, expected ${expect.status}`;
  }
  if (expect.logs !== undefined && logs !== expect.logs) return `${logs} logs, expected ${expect.logs}`;
  if (expect.body === undefined && expect.bodyEndsWith === undefined && expect.bodyBytes === undefined)
    return undefined;
  const rv = res.returnValue?.data;
  if (rv?.case !== 'http') return `return value is ${rv?.case ?? 'missing'}, expected http`;
  if (rv.value.statusCode !== '200') return `HTTP status ${rv.value.statusCode}, expected 200`;
  const bytes = typedDataBytes(rv.value.body);
  if (expect.bodyBytes !== undefined)
    return bytes.length === expect.bodyBytes
      ? undefined
      : `body of ${bytes.length} bytes, expected ${expect.bodyBytes}`;
  const text = new TextDecoder().decode(bytes);
  if (expect.body !== undefined && text !== expect.body)
    return `body ${JSON.stringify(text.slice(0, 80))}, expected ${JSON.stringify(expect.body)}`;
  if (expect.bodyEndsWith !== undefined && !text.endsWith(expect.bodyEndsWith)) {
    return `body ${JSON.stringify(text.slice(0, 80))}, expected it to end with ${JSON.stringify(expect.bodyEndsWith)}`;
  }
  return undefined;
}
