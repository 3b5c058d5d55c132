import { messageFrame } from '../codec/compression.js';
import type { Direction, StoredFrame } from '../model/frame.js';
import { countField, repeatedField, stringField, subMessage, varintField } from './proto-scan.js';

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

  function learnMetadata(meta: Uint8Array | undefined, fallbackId?: string): void {
    const name = stringField(meta, 4);
    const id = stringField(meta, 13) || fallbackId;
    if (name && id) names.set(id, name);
  }

  function summarize(f: StoredFrame, inner: Uint8Array | undefined, row: TimelineRow): string {
    switch (f.kind) {
      case 'startStream':
        return `worker ${stringField(inner, 2) ?? ''}`;
      case 'workerInitRequest':
        return `host ${stringField(inner, 1) ?? '?'}, ${countField(inner, 2)} capabilities`;
      case 'workerInitResponse': {
        const meta = subMessage(inner, 4);
        const runtime = [stringField(meta, 1), stringField(meta, 2)].filter(Boolean).join(' ');
        return join(status(subMessage(inner, 3)), `${countField(inner, 2)} capabilities`, runtime);
      }
      case 'functionLoadRequest': {
        learnMetadata(subMessage(inner, 2), f.functionId);
        return `load ${row.functionName ?? names.get(f.functionId ?? '') ?? ''}`.trim();
      }
      case 'functionLoadRequestCollection': {
        const loads = repeatedField(inner, 1);
        for (const l of loads) learnMetadata(subMessage(l, 2), stringField(l, 1));
        return `load ${loads.length} functions`;
      }
      case 'functionMetadataResponse': {
        const results = repeatedField(inner, 1);
        for (const m of results) learnMetadata(m);
        return join(status(subMessage(inner, 2)), `${results.length} functions`);
      }
      case 'functionLoadResponse':
        return status(subMessage(inner, 2));
      case 'functionLoadResponseCollection':
        return `${countField(inner, 1)} load responses`;
      case 'invocationRequest':
        if (f.invocationId && f.functionId) invocations.set(f.invocationId, f.functionId);
        return httpRequest(inner);
      case 'invocationResponse': {
        const code = httpStatus(inner);
        return join(status(subMessage(inner, 3)), code ? `HTTP ${code}` : '');
      }
      case 'rpcLog': {
        const level = LEVEL[varintField(inner, 3) ?? 0] ?? '?';
        return `${level}: ${clip(stringField(inner, 4) ?? '')}`;
      }
      case 'functionEnvironmentReloadRequest':
        return `${countField(inner, 1)} environment variables`;
      case 'functionEnvironmentReloadResponse':
        return status(subMessage(inner, 3));
      case 'workerStatusResponse':
      case 'workerWarmupResponse':
        return '';
      case 'workerTerminate': {
        const seconds = varintField(subMessage(inner, 1), 1);
        return seconds !== undefined ? `grace ${seconds}s` : '';
      }
      case 'unknown':
        return f.decodeError ?? '';
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
      const inner = field !== undefined ? subMessage(messageFrame(f).bytes, field) : undefined;
      row.summary = summarize(f, inner, row);
      if (fn && names.has(fn)) row.functionName = names.get(fn)!;
      if (f.kind === 'invocationResponse' && f.invocationId) invocations.delete(f.invocationId);
      return row;
    },
  };
}

/** `GET /api/hello?name=x` from the first HTTP input binding (TypedData.http = 5). */
function httpRequest(inner: Uint8Array | undefined): string {
  for (const binding of repeatedField(inner, 3)) {
    const http = subMessage(subMessage(binding, 2), 5);
    if (!http) continue;
    const method = stringField(http, 1) ?? '';
    const url = stringField(http, 2) ?? '';
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
function httpStatus(inner: Uint8Array | undefined): string | undefined {
  const fromReturn = stringField(subMessage(subMessage(inner, 4), 5), 12);
  if (fromReturn) return fromReturn;
  for (const binding of repeatedField(inner, 2)) {
    const code = stringField(subMessage(subMessage(binding, 2), 5), 12);
    if (code) return code;
  }
  return undefined;
}

function status(result: Uint8Array | undefined): string {
  if (!result) return '';
  const s = STATUS[varintField(result, 4) ?? -1] ?? 'status?';
  const message = stringField(subMessage(result, 2), 2);
  return message ? `${s}: ${clip(message)}` : s;
}

function clip(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > MAX_TEXT ? `${one.slice(0, MAX_TEXT - 1)}…` : one;
}

function join(...parts: string[]): string {
  return parts.filter((p) => p !== '').join(', ');
}
