import type { ViewReader } from '../recording/view-reader.js';
import { invocationStatus } from '../codec/invocation-fields.js';
import type {
  InvocationDetail,
  MessageRow,
  SessionRow,
  TimelineView,
  ViewFilter,
} from '../report/view-data.js';
import { isEmptyFilter } from '../report/view-data.js';
import { buildDetail } from '../report/view-detail.js';
import { messageDetail, messageRows, sessionRow } from '../report/view-message.js';
import { summaryColumns } from '../report/view-summary.js';
import { createListCache } from './view-lists.js';
import { createSummaryCache } from './view-summaries.js';

/** A range holding at most this many messages is sent bar by bar; a wider one as columns. */
export const DETAIL_FRAMES = 20_000;
/** Messages read before a detail range, for the invocations that began just before it. */
const LOOKBACK = 2_000;

/**
 * What `functape view`'s routes ask: each answer plain data from the reader's queries and
 * report/'s pure builders. Holds a few sessions' TimelineSummary (fixed size, extended as
 * the recording grows: view-summaries.ts) and the seqs of the last filtered message list
 * (view-lists.ts), so memory is bounded by those, not by what the user pans over.
 */
export interface ViewModel {
  sessions(): SessionRow[];
  session(
    id: number,
  ): { row: SessionRow; endNs: number; functions: { id: string; name: string }[] } | undefined;
  timeline(id: number, t0: number, t1: number, n: number, filter: ViewFilter): TimelineView;
  messages(
    id: number,
    from: number,
    count: number,
    filter: ViewFilter,
  ): { total: number; rows: MessageRow[] };
  invocation(id: number, invocationId: string): InvocationDetail | undefined;
  message(id: number, seq: number): ReturnType<typeof messageDetail> | undefined;
  /** Changes whenever a session is added, grows or ends (for the live event stream). */
  version(): string;
}

export interface ViewModelOptions {
  /** The clock of the summary's time budget (ms). */
  now?: () => number;
  /** Ranges with more messages than this are drawn from the summary (default DETAIL_FRAMES). */
  detailFrames?: number;
}

/** What the model's steps share: the reader, the caches and function names per session. */
interface ViewModelState {
  readonly reader: ViewReader;
  readonly detailFrames: number;
  readonly summaries: ReturnType<typeof createSummaryCache>;
  readonly lists: ReturnType<typeof createListCache>;
  /** session id → function id → name, read again while a session has none yet. */
  readonly names: Map<number, Map<string, string>>;
}

export function createViewModel(reader: ViewReader, options: ViewModelOptions = {}): ViewModel {
  const now = options.now ?? (() => performance.now());
  const state: ViewModelState = {
    reader,
    detailFrames: options.detailFrames ?? DETAIL_FRAMES,
    summaries: createSummaryCache(reader, now),
    lists: createListCache(reader),
    names: new Map(),
  };
  return {
    sessions: () => reader.recording.sessions().map(sessionRow),
    session(id) {
      const s = reader.recording.session(id);
      if (!s) return undefined;
      const functions = [...namesOf(state, id)].map(([fid, name]) => ({ id: fid, name }));
      return { row: sessionRow(s), endNs: reader.lastTime(id), functions };
    },
    timeline: (id, t0, t1, n, filter) => timelineOf(state, id, t0, t1, n, filter),
    messages: (id, from, count, filter) => messagesOf(state, id, from, count, filter),
    invocation: (id, invocationId) => invocationOf(state, id, invocationId),
    message(id, seq) {
      const f = reader.frame(id, seq);
      return f && messageDetail(f, namesOf(state, id));
    },
    version() {
      return reader.recording
        .sessions()
        .map((s) => `${s.id}:${s.counts.toHost + s.counts.toWorker}:${s.end ? 'e' : ''}`)
        .join(',');
    },
  };
}

function namesOf(state: ViewModelState, id: number): Map<string, string> {
  let n = state.names.get(id);
  if (!n || n.size === 0) state.names.set(id, (n = state.reader.functionNames(id)));
  return n;
}

/** `ViewModel.timeline`: summary columns for a wide range, bars from the index rows otherwise. */
function timelineOf(
  state: ViewModelState,
  id: number,
  t0: number,
  t1: number,
  n: number,
  filter: ViewFilter,
): TimelineView {
  const { reader, detailFrames } = state;
  const endNs = reader.lastTime(id);
  const s0 = reader.seqAtTime(id, t0);
  const s1 = reader.seqAtTime(id, t1);
  const frames = s1 - s0;
  const base = { session: id, endNs, frames };
  if (frames > detailFrames) {
    const s = state.summaries.summary(id);
    const last = reader.recording.lastSeq(id) ?? -1;
    const indexed = last < 0 ? 1 : (s.lastSeq + 1) / (last + 1);
    return { ...base, columns: summaryColumns(s, t0, t1, n), filtered: false, indexed };
  }
  const rows = reader.rows(id, Math.max(0, s0 - LOOKBACK), s1, detailFrames + LOOKBACK + 1, !!filter.text);
  const detail = buildDetail({
    rows,
    t0,
    t1,
    n,
    endNs,
    lookup: (inv) => reader.invocationEnds(id, inv),
    maxLookups: 2_000,
    filter,
    names: namesOf(state, id),
  });
  const { columns, ...rest } = detail;
  return { ...base, columns, detail: rest, filtered: !isEmptyFilter(filter), indexed: 1 };
}

/** `ViewModel.messages`: a page of the session, or of its filtered list. */
function messagesOf(
  state: ViewModelState,
  id: number,
  from: number,
  count: number,
  filter: ViewFilter,
): { total: number; rows: MessageRow[] } {
  const { reader } = state;
  const names = namesOf(state, id);
  if (isEmptyFilter(filter)) {
    const total = (reader.recording.lastSeq(id) ?? -1) + 1;
    const frames = reader.recording.frames(id, { afterSeq: from - 1, beforeSeq: from + count });
    return { total, rows: messageRows(frames, names) };
  }
  const got = state.lists.matching(id, filter, names);
  const seqs = Array.from(got.seqs.subarray(Math.min(from, got.length), Math.min(from + count, got.length)));
  const frames = seqs.flatMap((seq) => reader.frame(id, seq) ?? []);
  return { total: got.length, rows: messageRows(frames, names) };
}

/** `ViewModel.invocation`: its messages, function, status and duration. */
function invocationOf(state: ViewModelState, id: number, invocationId: string): InvocationDetail | undefined {
  const frames = state.reader.invocationFrames(id, invocationId);
  if (frames.length === 0) return undefined;
  const names = namesOf(state, id);
  const request = frames.find((f) => f.kind === 'invocationRequest');
  const answer = frames.find((f) => f.kind === 'invocationResponse');
  const detail: InvocationDetail = {
    id: invocationId,
    messages: frames.map((f) => messageDetail(f, names)),
  };
  if (request?.functionId) {
    detail.functionId = request.functionId;
    const name = names.get(request.functionId);
    if (name) detail.functionName = name;
  }
  if (answer) {
    const status = invocationStatus(answer.bytes);
    if (status !== undefined) detail.status = status;
    if (request) detail.durationNs = Number(answer.tNs - request.tNs);
  }
  return detail;
}
