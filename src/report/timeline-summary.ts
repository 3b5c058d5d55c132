import {
  countField,
  fieldPath,
  nextOccurrence,
  repeatedField,
  stringField,
  subMessage,
  varintField,
} from '../codec/field-lookup.js';
import { contentField, F } from '../codec/field-numbers.js';
import type { Span, WireReader } from '../codec/message-reader.js';
import type { StoredFrame } from '../model/frame.js';

/**
 * What a timeline remembers between rows: function id → name (from load requests and
 * metadata responses) and invocation id → function id for invocations still open.
 */
export interface TimelineState {
  readonly names: Map<string, string>;
  readonly invocations: Map<string, string>;
}

/**
 * One kind's summary: reads the message's content (`inner`, the StreamingMessage field of
 * that kind) and may teach `state` function names or open invocations. `functionName` is
 * the row's name so far, if any.
 */
type Summarizer = (
  s: TimelineState,
  r: WireReader,
  f: StoredFrame,
  inner: Span | undefined,
  functionName: string | undefined,
) => string;

const STATUS = ['Failure', 'Success', 'Cancelled'];
const LEVEL = ['Trace', 'Debug', 'Information', 'Warning', 'Error', 'Critical', 'None'];
const MAX_TEXT = 100;
/** InvocationResponse.return_value.http, and ParameterBinding.data.http. */
const RETURN_HTTP = [F.invocationResponse.returnValue, F.typedData.http];
const BINDING_HTTP = [F.parameterBinding.data, F.typedData.http];

/** The summary of each kind that has one; other kinds summarise as ''. */
const SUMMARIZERS: Readonly<Record<string, Summarizer>> = {
  startStream: (_s, r, _f, inner) => `worker ${stringField(r, inner, F.startStream.workerId) ?? ''}`,
  workerInitRequest: (_s, r, _f, inner) =>
    `host ${stringField(r, inner, F.workerInitRequest.hostVersion) ?? '?'}, ${countField(r, inner, F.workerInitRequest.capabilities)} capabilities`,
  workerInitResponse: (_s, r, _f, inner) => initResponse(r, inner),
  functionLoadRequest: (s, r, f, inner, functionName) => {
    learnMetadata(s, r, subMessage(r, inner, F.functionLoadRequest.metadata), f.functionId);
    return `load ${functionName ?? s.names.get(f.functionId ?? '') ?? ''}`.trim();
  },
  functionLoadRequestCollection: (s, r, _f, inner) => {
    const loads = repeatedField(r, inner, F.functionLoadRequestCollection.functionLoadRequests);
    for (const l of loads)
      learnMetadata(
        s,
        r,
        subMessage(r, l, F.functionLoadRequest.metadata),
        stringField(r, l, F.functionLoadRequest.functionId),
      );
    return `load ${loads.length} functions`;
  },
  functionMetadataResponse: (s, r, _f, inner) => {
    const results = repeatedField(r, inner, F.functionMetadataResponse.functionMetadataResults);
    for (const m of results) learnMetadata(s, r, m);
    return join(
      status(r, subMessage(r, inner, F.functionMetadataResponse.result)),
      `${results.length} functions`,
    );
  },
  functionLoadResponse: (_s, r, _f, inner) => status(r, subMessage(r, inner, F.functionLoadResponse.result)),
  functionLoadResponseCollection: (_s, r, _f, inner) =>
    `${countField(r, inner, F.functionLoadResponseCollection.functionLoadResponses)} load responses`,
  invocationRequest: (s, r, f, inner) => {
    if (f.invocationId && f.functionId) s.invocations.set(f.invocationId, f.functionId);
    return httpRequest(r, inner);
  },
  invocationResponse: (_s, r, _f, inner) => {
    const code = httpStatus(r, inner);
    return join(status(r, subMessage(r, inner, F.invocationResponse.result)), code ? `HTTP ${code}` : '');
  },
  rpcLog: (_s, r, _f, inner) => {
    const level = LEVEL[varintField(r, inner, F.rpcLog.level) ?? 0] ?? '?';
    return `${level}: ${clip(stringField(r, inner, F.rpcLog.message) ?? '')}`;
  },
  functionEnvironmentReloadRequest: (_s, r, _f, inner) =>
    `${countField(r, inner, F.functionEnvironmentReloadRequest.environmentVariables)} environment variables`,
  functionEnvironmentReloadResponse: (_s, r, _f, inner) =>
    status(r, subMessage(r, inner, F.functionEnvironmentReloadResponse.result)),
  workerTerminate: (_s, r, _f, inner) => {
    const seconds = varintField(r, subMessage(r, inner, F.workerTerminate.gracePeriod), F.duration.seconds);
    return seconds !== undefined ? `grace ${seconds}s` : '';
  },
};

/** StreamingMessage.content field numbers of the kinds summarised here. */
export const SUMMARISED: ReadonlyMap<string, number> = new Map(
  Object.keys(SUMMARIZERS).map((kind) => [kind, contentField(kind)]),
);

/** The summary of one summarised frame (`SUMMARISED` has its kind); `inner` is its content. */
export function summarize(
  s: TimelineState,
  r: WireReader,
  f: StoredFrame,
  inner: Span | undefined,
  functionName: string | undefined,
): string {
  return SUMMARIZERS[f.kind]?.(s, r, f, inner, functionName) ?? '';
}

function learnMetadata(s: TimelineState, r: WireReader, meta: Span | undefined, fallbackId?: string): void {
  const name = stringField(r, meta, F.rpcFunctionMetadata.name);
  const id = stringField(r, meta, F.rpcFunctionMetadata.functionId) || fallbackId;
  if (name && id) s.names.set(id, name);
}

/** `Success, 3 capabilities, node 20.1`. */
function initResponse(r: WireReader, inner: Span | undefined): string {
  const meta = subMessage(r, inner, F.workerInitResponse.workerMetadata);
  const runtime = [
    stringField(r, meta, F.workerMetadata.runtimeName),
    stringField(r, meta, F.workerMetadata.runtimeVersion),
  ]
    .filter(Boolean)
    .join(' ');
  const capabilities = countField(r, inner, F.workerInitResponse.capabilities);
  return join(
    status(r, subMessage(r, inner, F.workerInitResponse.result)),
    `${capabilities} capabilities`,
    runtime,
  );
}

/** `GET /api/hello?name=x` from the first HTTP input binding. */
function httpRequest(r: WireReader, inner: Span | undefined): string {
  if (!inner) return '';
  // The first HTTP binding ends the scan: the rest of the level (trigger metadata) is not walked.
  const input = F.invocationRequest.inputData;
  for (
    let binding = nextOccurrence(r, inner, input, inner.start);
    binding;
    binding = nextOccurrence(r, inner, input, binding.end)
  ) {
    const http = httpOf(r, binding);
    if (!http) continue;
    const method = stringField(r, http, F.rpcHttp.method) ?? '';
    const url = stringField(r, http, F.rpcHttp.url) ?? '';
    let path = url;
    try {
      const u = new URL(url);
      path = `${u.pathname}${u.search}`;
    } catch {
      // not an absolute URL: show it as it is
    }
    return clip(`${method} ${path}`.trim());
  }
  return '';
}

/** The HTTP status of an invocation's answer: return value first, then output bindings. */
function httpStatus(r: WireReader, inner: Span | undefined): string | undefined {
  const fromReturn = stringField(r, fieldPath(r, inner, RETURN_HTTP), F.rpcHttp.statusCode);
  if (fromReturn) return fromReturn;
  if (!inner) return undefined;
  const output = F.invocationResponse.outputData;
  for (
    let binding = nextOccurrence(r, inner, output, inner.start);
    binding;
    binding = nextOccurrence(r, inner, output, binding.end)
  ) {
    const code = stringField(r, httpOf(r, binding), F.rpcHttp.statusCode);
    if (code) return code;
  }
  return undefined;
}

/** The RpcHttp of a ParameterBinding's TypedData, if it holds one. */
function httpOf(r: WireReader, binding: Span): Span | undefined {
  return fieldPath(r, binding, BINDING_HTTP);
}

function status(r: WireReader, result: Span | undefined): string {
  if (!result) return '';
  const s = STATUS[varintField(r, result, F.statusResult.status) ?? -1] ?? 'status?';
  const message = stringField(r, subMessage(r, result, F.statusResult.exception), F.rpcException.message);
  return message ? `${s}: ${clip(message)}` : s;
}

function clip(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > MAX_TEXT ? `${one.slice(0, MAX_TEXT - 1)}…` : one;
}

function join(...parts: string[]): string {
  return parts.filter((p) => p !== '').join(', ');
}
