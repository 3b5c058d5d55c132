import type { Direction } from '../model/frame.js';

/**
 * What `functape view`'s server answers and its page draws: plain data, JSON over HTTP.
 * Times are ns since the session start as numbers (exact below 2^53 ns).
 */

/** The filters of the page (all optional; an empty filter keeps everything). */
export interface ViewFilter {
  kinds?: string[];
  /** Function ids. */
  functions?: string[];
  direction?: Direction;
  status?: InvocationStatusName;
  /** Case-insensitive text in invocation/request/function ids and in log lines. */
  text?: string;
}

export type InvocationStatusName = 'success' | 'failure' | 'cancelled' | 'open';

/** Per pixel column aggregates of [t0, t1): column i covers t0 + i·(t1-t0)/n. */
export interface TimelineColumns {
  t0: number;
  t1: number;
  n: number;
  /** Invocation requests sent in the column. */
  starts: number[];
  /** Invocation answers in the column, and those that failed / were cancelled. */
  answers: number[];
  failed: number[];
  cancelled: number[];
  /** invocationCancel messages. */
  cancels: number[];
  logs: number[];
  /** Control messages (every kind but invocation requests, answers, cancels and logs). */
  control: number[];
  /** Most invocations in flight at any moment of the column. */
  inflight: number[];
}

/** One invocation from request to answer (`open`: no answer stored, drawn to the end). */
export interface Bar {
  id: string;
  functionId: string;
  t0: number;
  t1: number;
  open: boolean;
  status?: number;
  /** An invocationCancel was sent for it. */
  cancelled: boolean;
  lane: number;
  /** Times of its RpcLogs. */
  logs: number[];
}

export interface Marker {
  seq: number;
  tNs: number;
  kind: string;
  direction: Direction;
}

/** The timeline of [t0, t1) of a session at one zoom. */
export interface TimelineView {
  session: number;
  /** t_ns of the last stored message. */
  endNs: number;
  columns: TimelineColumns;
  /** Messages in the range. */
  frames: number;
  /**
   * Bars and markers, when the range holds few enough messages to send them (zoomed
   * in); absent on a wider range, which is drawn from the columns alone.
   */
  detail?: { bars: Bar[]; markers: Marker[]; lanes: number };
  /** Whether the filter narrowed this view (only detail views are filtered). */
  filtered: boolean;
  /**
   * The share of the session's messages counted into its summary so far (1 for a detail
   * view): a wide view of a big session fills in over a few requests.
   */
  indexed: number;
}

/** A message of the list, or of an invocation in the inspector. */
export interface MessageRow {
  seq: number;
  tNs: number;
  direction: Direction;
  kind: string;
  invocationId?: string;
  /** The function's name (its id when no name is known). */
  function?: string;
  size: number;
  summary: string;
}

/** A message in full, for the inspector. */
export interface MessageDetail extends MessageRow {
  json: unknown;
  decodeError?: string;
  /** The stored bytes as hex (cut at HEX_LIMIT bytes; `bytes` is the full count). */
  hex: string;
  bytes: number;
  redacted: boolean;
}

export const HEX_LIMIT = 64 * 1024;

export interface InvocationDetail {
  id: string;
  functionId?: string;
  functionName?: string;
  status?: number;
  durationNs?: number;
  messages: MessageDetail[];
}

/** A sessions-table row: plain JSON (no bigint). */
export interface SessionRow {
  id: number;
  label?: string;
  workerId?: string;
  startWallMs: number;
  durationMs?: number;
  toHost: number;
  toWorker: number;
  endReason?: string;
  endWallMs?: number;
  statusCode?: number;
}

/** Query string → filter (the page and the server agree on these names). */
export function parseViewFilter(q: URLSearchParams): ViewFilter {
  const list = (name: string) => {
    const v = q.get(name);
    return v ? v.split(',').filter(Boolean) : undefined;
  };
  const f: ViewFilter = {};
  const kinds = list('kind');
  if (kinds) f.kinds = kinds;
  const functions = list('fn');
  if (functions) f.functions = functions;
  const dir = q.get('dir');
  if (dir === 'toHost' || dir === 'toWorker') f.direction = dir;
  const status = q.get('status');
  if (status === 'success' || status === 'failure' || status === 'cancelled' || status === 'open')
    f.status = status;
  const text = q.get('q')?.trim();
  if (text) f.text = text.toLowerCase();
  return f;
}

export function isEmptyFilter(f: ViewFilter): boolean {
  return !f.kinds && !f.functions && !f.direction && !f.status && !f.text;
}

export const STATUS_NAMES: readonly InvocationStatusName[] = ['failure', 'success', 'cancelled'];
