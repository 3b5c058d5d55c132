import type { BinaryReader } from '@bufbuild/protobuf/wire';
import { messageFrame } from '../codec/compression.js';
import { createMessageSpans } from '../codec/message-reader.js';
import type { Direction, StoredFrame } from '../model/frame.js';
import { countField, nextField, repeatedField, stringField, subMessage, varintField, type Span } from './timeline-scan.js';

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
const FIELD: Record<string, number> = {
  startStream: 20, workerInitRequest: 17, workerInitResponse: 16, workerTerminate: 14,
  functionLoadRequest: 8, functionLoadResponse: 9, invocationRequest: 4, invocationResponse: 5,
  invocationCancel: 21, rpcLog: 2, functionEnvironmentReloadRequest: 25,
  functionEnvironmentReloadResponse: 26, functionsMetadataRequest: 29, functionMetadataResponse: 30,
  functionLoadRequestCollection: 31, functionLoadResponseCollection: 32, workerStatusResponse: 13,
  workerWarmupResponse: 34,
};
const STATUS = ['Failure', 'Success', 'Cancelled'];
const LEVEL = ['Trace', 'Debug', 'Information', 'Warning', 'Error', 'Critical', 'None'];
const MAX_TEXT = 100;

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

  function learnMetadata(r: BinaryReader, meta: Span | undefined, fallbackId?: string): void {
    const name = stringField(r, meta, 4);
    const id = stringField(r, meta, 13) || fallbackId;
    if (name && id) names.set(id, name);
  }

  function summarize(r: BinaryReader, f: StoredFrame, inner: Span | undefined, row: TimelineRow): string {
    switch (f.kind) {
      case 'startStream':
        return `worker ${stringField(r, inner, 2) ?? ''}`;
      case 'workerInitRequest':
        return `host ${stringField(r, inner, 1) ?? '?'}, ${countField(r, inner, 2)} capabilities`;
      case 'workerInitResponse': {
        const meta = subMessage(r, inner, 4);
        const runtime = [stringField(r, meta, 1), stringField(r, meta, 2)].filter(Boolean).join(' ');
        return join(status(r, subMessage(r, inner, 3)), `${countField(r, inner, 2)} capabilities`, runtime);
      }
      case 'functionLoadRequest': {
        learnMetadata(r, subMessage(r, inner, 2), f.functionId);
        return `load ${row.functionName ?? names.get(f.functionId ?? '') ?? ''}`.trim();
      }
      case 'functionLoadRequestCollection': {
        const loads = repeatedField(r, inner, 1);
        for (const l of loads) learnMetadata(r, subMessage(r, l, 2), stringField(r, l, 1));
        return `load ${loads.length} functions`;
      }
      case 'functionMetadataResponse': {
        const results = repeatedField(r, inner, 1);
        for (const m of results) learnMetadata(r, m);
        return join(status(r, subMessage(r, inner, 2)), `${results.length} functions`);
      }
      case 'functionLoadResponse':
        return status(r, subMessage(r, inner, 2));
      case 'functionLoadResponseCollection':
        return `${countField(r, inner, 1)} load responses`;
      case 'invocationRequest':
        if (f.invocationId && f.functionId) invocations.set(f.invocationId, f.functionId);
        return httpRequest(r, inner);
      case 'invocationResponse': {
        const code = httpStatus(r, inner);
        return join(status(r, subMessage(r, inner, 3)), code ? `HTTP ${code}` : '');
      }
      case 'rpcLog': {
        const level = LEVEL[varintField(r, inner, 3) ?? 0] ?? '?';
        return `${level}: ${clip(stringField(r, inner, 4) ?? '')}`;
      }
      case 'functionEnvironmentReloadRequest':
        return `${countField(r, inner, 1)} environment variables`;
      case 'functionEnvironmentReloadResponse':
        return status(r, subMessage(r, inner, 3));
      case 'workerStatusResponse':
      case 'workerWarmupResponse':
        return '';
      case 'workerTerminate': {
        const seconds = varintField(r, subMessage(r, inner, 1), 1);
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
      const field = FIELD[f.kind];
      if (field !== undefined) {
        // One reader per buffer (a page of stored messages shares one): every lookup below
        // walks spans of it, and never reads outside the message's own span.
        const m = spans(messageFrame(f).bytes);
        row.summary = summarize(m.reader, f, subMessage(m.reader, { start: m.start, end: m.end }, field), row);
      } else if (f.kind === 'unknown') {
        row.summary = f.decodeError ?? '';
      }
      if (fn && names.has(fn)) row.functionName = names.get(fn)!;
      if (f.kind === 'invocationResponse' && f.invocationId) invocations.delete(f.invocationId);
      return row;
    },
  };
}

/** `GET /api/hello?name=x` from the first HTTP input binding (TypedData.http = 5). */
function httpRequest(r: BinaryReader, inner: Span | undefined): string {
  if (!inner) return '';
  // The first HTTP binding ends the scan: the rest of the level (trigger metadata) is not walked.
  for (let binding = nextField(r, inner, 3, inner.start); binding; binding = nextField(r, inner, 3, binding.end)) {
    const http = subMessage(r, subMessage(r, binding, 2), 5);
    if (!http) continue;
    const method = stringField(r, http, 1) ?? '';
    const url = stringField(r, http, 2) ?? '';
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
function httpStatus(r: BinaryReader, inner: Span | undefined): string | undefined {
  const fromReturn = stringField(r, subMessage(r, subMessage(r, inner, 4), 5), 12);
  if (fromReturn) return fromReturn;
  if (!inner) return undefined;
  for (let binding = nextField(r, inner, 2, inner.start); binding; binding = nextField(r, inner, 2, binding.end)) {
    const code = stringField(r, subMessage(r, subMessage(r, binding, 2), 5), 12);
    if (code) return code;
  }
  return undefined;
}

function status(r: BinaryReader, result: Span | undefined): string {
  if (!result) return '';
  const s = STATUS[varintField(r, result, 4) ?? -1] ?? 'status?';
  const message = stringField(r, subMessage(r, result, 2), 2);
  return message ? `${s}: ${clip(message)}` : s;
}

function clip(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > MAX_TEXT ? `${one.slice(0, MAX_TEXT - 1)}…` : one;
}

function join(...parts: string[]): string {
  return parts.filter((p) => p !== '').join(', ');
}
