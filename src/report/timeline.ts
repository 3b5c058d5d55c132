import { messageFrame } from '../codec/compression.js';
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
import { createMessageSpans, type Span, type WireReader } from '../codec/message-reader.js';
import type { Direction, StoredFrame } from '../model/frame.js';

/** One row of `functape show`: plain data, printed by timeline-text or as JSON. */
export interface TimelineRow {
  sessionId: number;
  seq: number;
  /** ns since the session started. */
  tNs: bigint;
  direction: Direction;
  kind: string;
  requestId?: string;
  invocationId?: string;
  functionId?: string;
  /** The function's name, when a load request or metadata response named it earlier. */
  functionName?: string;
  size: number;
  /** A short human summary: function, status, log text, ... (may be empty). */
  summary: string;
  redacted: boolean;
}

/** StreamingMessage.content field numbers of the kinds summarised here. */
const SUMMARISED: ReadonlyMap<string, number> = new Map(
  [
    'startStream',
    'workerInitRequest',
    'workerInitResponse',
    'workerTerminate',
    'functionLoadRequest',
    'functionLoadResponse',
    'invocationRequest',
    'invocationResponse',
    'invocationCancel',
    'rpcLog',
    'functionEnvironmentReloadRequest',
    'functionEnvironmentReloadResponse',
    'functionsMetadataRequest',
    'functionMetadataResponse',
    'functionLoadRequestCollection',
    'functionLoadResponseCollection',
    'workerStatusResponse',
    'workerWarmupResponse',
  ].map((kind) => [kind, contentField(kind)]),
);
const STATUS = ['Failure', 'Success', 'Cancelled'];
const LEVEL = ['Trace', 'Debug', 'Information', 'Warning', 'Error', 'Critical', 'None'];
const MAX_TEXT = 100;
/** InvocationResponse.return_value.http, and ParameterBinding.data.http. */
const RETURN_HTTP = [F.invocationResponse.returnValue, F.typedData.http];
const BINDING_HTTP = [F.parameterBinding.data, F.typedData.http];

/**
 * Builds timeline rows for one session's frames, in seq order. Keeps function names
 * (from load requests and metadata responses) and the function of each open invocation,
 * so a response row can name its function; entries are dropped when the invocation's
 * response is seen, so memory follows the invocations in flight, not the session length.
 */
export interface Timeline {
  row(frame: StoredFrame): TimelineRow;
}

export function createTimeline(): Timeline {
  const names = new Map<string, string>();
  const invocations = new Map<string, string>();
  const spans = createMessageSpans();

  function learnMetadata(r: WireReader, meta: Span | undefined, fallbackId?: string): void {
    const name = stringField(r, meta, F.rpcFunctionMetadata.name);
    const id = stringField(r, meta, F.rpcFunctionMetadata.functionId) || fallbackId;
    if (name && id) names.set(id, name);
  }

  function summarize(r: WireReader, f: StoredFrame, inner: Span | undefined, row: TimelineRow): string {
    switch (f.kind) {
      case 'startStream':
        return `worker ${stringField(r, inner, F.startStream.workerId) ?? ''}`;
      case 'workerInitRequest':
        return `host ${stringField(r, inner, F.workerInitRequest.hostVersion) ?? '?'}, ${countField(r, inner, F.workerInitRequest.capabilities)} capabilities`;
      case 'workerInitResponse': {
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
      case 'functionLoadRequest': {
        learnMetadata(r, subMessage(r, inner, F.functionLoadRequest.metadata), f.functionId);
        return `load ${row.functionName ?? names.get(f.functionId ?? '') ?? ''}`.trim();
      }
      case 'functionLoadRequestCollection': {
        const loads = repeatedField(r, inner, F.functionLoadRequestCollection.functionLoadRequests);
        for (const l of loads)
          learnMetadata(
            r,
            subMessage(r, l, F.functionLoadRequest.metadata),
            stringField(r, l, F.functionLoadRequest.functionId),
          );
        return `load ${loads.length} functions`;
      }
      case 'functionMetadataResponse': {
        const results = repeatedField(r, inner, F.functionMetadataResponse.functionMetadataResults);
        for (const m of results) learnMetadata(r, m);
        return join(
          status(r, subMessage(r, inner, F.functionMetadataResponse.result)),
          `${results.length} functions`,
        );
      }
      case 'functionLoadResponse':
        return status(r, subMessage(r, inner, F.functionLoadResponse.result));
      case 'functionLoadResponseCollection':
        return `${countField(r, inner, F.functionLoadResponseCollection.functionLoadResponses)} load responses`;
      case 'invocationRequest':
        if (f.invocationId && f.functionId) invocations.set(f.invocationId, f.functionId);
        return httpRequest(r, inner);
      case 'invocationResponse': {
        const code = httpStatus(r, inner);
        return join(status(r, subMessage(r, inner, F.invocationResponse.result)), code ? `HTTP ${code}` : '');
      }
      case 'rpcLog': {
        const level = LEVEL[varintField(r, inner, F.rpcLog.level) ?? 0] ?? '?';
        return `${level}: ${clip(stringField(r, inner, F.rpcLog.message) ?? '')}`;
      }
      case 'functionEnvironmentReloadRequest':
        return `${countField(r, inner, F.functionEnvironmentReloadRequest.environmentVariables)} environment variables`;
      case 'functionEnvironmentReloadResponse':
        return status(r, subMessage(r, inner, F.functionEnvironmentReloadResponse.result));
      case 'workerStatusResponse':
      case 'workerWarmupResponse':
        return '';
      case 'workerTerminate': {
        const seconds = varintField(
          r,
          subMessage(r, inner, F.workerTerminate.gracePeriod),
          F.duration.seconds,
        );
        return seconds !== undefined ? `grace ${seconds}s` : '';
      }
      default:
        return '';
    }
  }

  return {
    row(f) {
      const row: TimelineRow = {
        sessionId: f.sessionId,
        seq: f.seq,
        tNs: f.tNs,
        direction: f.direction,
        kind: f.kind,
        size: f.size,
        summary: '',
        redacted: f.redacted,
      };
      if (f.requestId) row.requestId = f.requestId;
      if (f.invocationId) row.invocationId = f.invocationId;
      if (f.functionId) row.functionId = f.functionId;
      let fn = f.functionId;
      if (!fn && f.invocationId) fn = invocations.get(f.invocationId);
      const field = SUMMARISED.get(f.kind);
      if (field !== undefined) {
        // One reader per buffer (a page of stored messages shares one): every lookup below
        // walks spans of it, and never reads outside the message's own span.
        const m = spans(messageFrame(f).bytes);
        row.summary = summarize(m, f, subMessage(m, m, field), row);
      } else if (f.kind === 'unknown') {
        row.summary = f.decodeError ?? '';
      }
      if (fn && names.has(fn)) row.functionName = names.get(fn)!;
      if (f.kind === 'invocationResponse' && f.invocationId) invocations.delete(f.invocationId);
      return row;
    },
  };
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
