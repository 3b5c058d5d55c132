import { messageFrame } from '../codec/compression.js';
import { subMessage } from '../codec/field-lookup.js';
import { createMessageSpans, type MessageSpan } from '../codec/message-reader.js';
import type { Direction, StoredFrame } from '../model/frame.js';
import { SUMMARISED, summarize, type TimelineState } from './timeline-summary.js';

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
  const state: TimelineState = { names: new Map(), invocations: new Map() };
  const spans = createMessageSpans();
  return { row: (f) => timelineRow(state, spans, f) };
}

/** The row of one frame, learning names and open invocations from it (see `Timeline`). */
function timelineRow(
  state: TimelineState,
  spans: (bytes: Uint8Array) => MessageSpan,
  f: StoredFrame,
): TimelineRow {
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
  if (!fn && f.invocationId) fn = state.invocations.get(f.invocationId);
  const field = SUMMARISED.get(f.kind);
  if (field !== undefined) {
    // One reader per buffer (a page of stored messages shares one): every lookup below
    // walks spans of it, and never reads outside the message's own span.
    const m = spans(messageFrame(f).bytes);
    row.summary = summarize(state, m, f, subMessage(m, m, field), row.functionName);
  } else if (f.kind === 'unknown') {
    row.summary = f.decodeError ?? '';
  }
  if (fn && state.names.has(fn)) row.functionName = state.names.get(fn)!;
  if (f.kind === 'invocationResponse' && f.invocationId) state.invocations.delete(f.invocationId);
  return row;
}
