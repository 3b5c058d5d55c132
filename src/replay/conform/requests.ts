import type { InvokeStep } from './scenario.js';

/**
 * The host messages a scenario builds from what the worker indexed (proto3 JSON, encoded by
 * the engine): load requests and HTTP-triggered invocations. Pure.
 */

/** A function the host knows: from the worker's metadata, a recorded load request, or named only. */
export interface KnownFunction {
  name: string;
  /** The id it is loaded under: the worker's own (worker indexing) or a fresh GUID. */
  functionId: string;
  /** RpcFunctionMetadata as proto3 JSON. */
  metadata: Record<string, unknown>;
}

/** A sample input from a recording (`--from`): a recorded InvocationRequest as proto3 JSON. */
export type SampleInvocation = Record<string, unknown>;

/** Minimal metadata of an HTTP function the worker did not index (`--function` alone). */
export function namedFunctionMetadata(name: string, appDirectory: string): Record<string, unknown> {
  return {
    name,
    directory: `${appDirectory}/${name}`,
    scriptFile: '',
    entryPoint: name,
    bindings: {
      req: { type: 'httpTrigger', direction: 'in', dataType: 'undefined' },
      $return: { type: 'http', direction: 'out' },
    },
    rawBindings: [
      '{"type":"httpTrigger","direction":"in","name":"req","methods":["get","post"]}',
      '{"type":"http","direction":"out","name":"$return"}',
    ],
  };
}

/** The name of the trigger binding (an input whose type ends in `Trigger`), else `req`. */
export function triggerBinding(metadata: Record<string, unknown>): string {
  const bindings = (metadata.bindings ?? {}) as Record<string, { type?: string; direction?: string }>;
  for (const [name, b] of Object.entries(bindings))
    if (b.direction !== 'out' && /trigger$/i.test(b.type ?? '')) return name;
  for (const raw of (metadata.rawBindings ?? []) as string[]) {
    try {
      const b = JSON.parse(raw) as { name?: string; type?: string; direction?: string };
      if (b.name && b.direction !== 'out' && /trigger$/i.test(b.type ?? '')) return b.name;
    } catch {
      // not JSON: names nothing
    }
  }
  return 'req';
}

export function loadRequestJson(f: KnownFunction): Record<string, unknown> {
  return {
    functionId: f.functionId,
    metadata: { ...f.metadata, functionId: f.functionId },
    managedDependencyEnabled: false,
  };
}

const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

function httpRequest(f: KnownFunction, step: InvokeStep, preferred: boolean): Record<string, unknown> {
  const query = preferred ? (step.query ?? {}) : {};
  const qs = new URLSearchParams(query).toString();
  const text = step.bodyBytes !== undefined ? 'x'.repeat(step.bodyBytes) : 'functape conform';
  const http: Record<string, unknown> = {
    method: 'POST',
    url: `http://localhost/api/${f.name}${qs ? `?${qs}` : ''}`,
    headers: { 'content-type': 'text/plain' },
    query,
    body: { string: text },
  };
  if (step.rawBody) http.rawBody = { bytes: base64(new TextEncoder().encode(text)) };
  return http;
}

/**
 * One InvocationRequest of `f` with a fresh invocation id: the sample's input and trigger
 * metadata when there is one (and no body size is asked for), else an HTTP POST to
 * `/api/NAME` with a small text body.
 */
export function invocationRequestJson(
  f: KnownFunction,
  invocationId: string,
  step: InvokeStep,
  opts: { preferred: boolean; sample?: SampleInvocation; traceId: string },
): Record<string, unknown> {
  const traceContext = {
    traceParent: `00-${opts.traceId}-${opts.traceId.slice(0, 16)}-01`,
    traceState: '',
    attributes: {},
  };
  if (opts.sample && !opts.preferred && step.bodyBytes === undefined && !step.rawBody && !step.collection)
    return { ...opts.sample, invocationId, functionId: f.functionId, traceContext };
  const inputData: Record<string, unknown>[] = [
    { name: triggerBinding(f.metadata), data: { http: httpRequest(f, step, opts.preferred) } },
  ];
  if (step.collection)
    inputData.push({ name: 'items', data: { collectionString: { string: ['a', 'b', 'c'] } } });
  return {
    invocationId,
    functionId: f.functionId,
    inputData,
    triggerMetadata: {
      sys: { json: JSON.stringify({ MethodName: f.name, UtcNow: new Date(0).toISOString() }) },
    },
    traceContext,
  };
}
