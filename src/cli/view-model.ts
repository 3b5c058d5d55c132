import type { IndexRow } from '../model/index-row.js';
import type { ViewReader } from '../recording/view-reader.js';
import { invocationStatus } from '../codec/invocation-fields.js';
import type { InvocationDetail, MessageRow, TimelineView, ViewFilter } from '../report/view-data.js';
import { isEmptyFilter } from '../report/view-data.js';
import { buildDetail } from '../report/view-detail.js';
import type { SessionRow } from '../report/view-data.js';
import { listMatcher, messageDetail, messageRows, sessionRow } from '../report/view-message.js';
import {
  addCounts,
  coarsen,
  covers,
  createSummary,
  summaryColumns,
  type TimelineSummary,
} from '../report/view-summary.js';

/** A range holding at most this many messages is sent bar by bar; a wider one as columns. */
export const DETAIL_FRAMES = 20_000;
/** Messages read before a detail range, for the invocations that began just before it. */
const LOOKBACK = 2_000;
/** Rows read per query while scanning a session (the scan's memory bound). */
const SCAN = 20_000;
/** Messages counted per step of a summary. */
const CHUNK = 20_000;
/** Time a timeline request spends extending a summary before it answers with what there is. */
const BUDGET_MS = 200;
/** Summaries kept (one per session looked at, least recently used dropped). */
const KEEP = 4;

/**
 * What `functape view`'s routes ask: each answer plain data from the reader's queries and
 * report/'s pure builders. Holds per session a TimelineSummary (fixed size, extended as
 * the recording grows) and the seqs of the last filtered message list, so memory is
 * bounded by KEEP summaries plus one filtered list, not by what the user pans over.
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

export function createViewModel(reader: ViewReader, options: ViewModelOptions = {}): ViewModel {
  const now = options.now ?? (() => performance.now());
  const detailFrames = options.detailFrames ?? DETAIL_FRAMES;
  const summaries = new Map<number, TimelineSummary>();
  const names = new Map<number, Map<string, string>>();
  let list: { key: string; seqs: Int32Array; length: number } | undefined;

  function namesOf(id: number): Map<string, string> {
    let n = names.get(id);
    if (!n || n.size === 0) names.set(id, (n = reader.functionNames(id)));
    return n;
  }

  /**
   * The session's summary, extended by chunks for at most BUDGET_MS: a first look at a
   * big session answers with the part counted so far, and each later request counts more
   * (the page asks again while `indexed` < 1).
   */
  function summary(id: number): TimelineSummary {
    const endNs = reader.lastTime(id);
    let s = summaries.get(id);
    summaries.delete(id);
    if (!s) s = createSummary(endNs);
    summaries.set(id, s);
    if (summaries.size > KEEP) summaries.delete(summaries.keys().next().value!);
    while (!covers(s, endNs)) coarsen(s);
    const until = now() + BUDGET_MS;
    while (now() < until) {
      const got = reader.bucketCounts(id, s.lastSeq + 1, CHUNK, s.widthNs);
      if (got.lastSeq === undefined) break;
      if (!covers(s, got.lastNs!)) {
        coarsen(s);
        continue;
      }
      addCounts(s, got.counts, got.lastSeq, got.lastNs!);
    }
    return s;
  }

  function scan(id: number, each: (row: IndexRow) => void): void {
    for (let from = 0; ; ) {
      const rows = reader.rows(id, from, Number.MAX_SAFE_INTEGER, SCAN, true);
      for (const r of rows) each(r);
      if (rows.length < SCAN) return;
      from = rows[rows.length - 1]!.seq + 1;
    }
  }

  function filteredSeqs(id: number, filter: ViewFilter): { seqs: Int32Array; length: number } {
    const key = `${id} ${reader.recording.lastSeq(id)} ${JSON.stringify(filter)}`;
    if (list?.key === key) return list;
    const statuses = new Map<string, number>();
    if (filter.status)
      scan(id, (r) => {
        if (r.kind === 'invocationResponse' && r.invocationId) statuses.set(r.invocationId, r.status ?? 0);
      });
    const match = listMatcher(filter, namesOf(id), (inv) => statuses.get(inv));
    let seqs = new Int32Array(1024);
    let length = 0;
    scan(id, (r) => {
      if (!match(r)) return;
      if (length === seqs.length) {
        const bigger = new Int32Array(seqs.length * 2);
        bigger.set(seqs);
        seqs = bigger;
      }
      seqs[length++] = r.seq;
    });
    list = { key, seqs, length };
    return list;
  }

  return {
    sessions: () => reader.recording.sessions().map(sessionRow),
    session(id) {
      const s = reader.recording.session(id);
      if (!s) return undefined;
      const functions = [...namesOf(id)].map(([fid, name]) => ({ id: fid, name }));
      return { row: sessionRow(s), endNs: reader.lastTime(id), functions };
    },
    timeline(id, t0, t1, n, filter) {
      const endNs = reader.lastTime(id);
      const s0 = reader.seqAtTime(id, t0);
      const s1 = reader.seqAtTime(id, t1);
      const frames = s1 - s0;
      const base = { session: id, endNs, frames };
      if (frames > detailFrames) {
        const s = summary(id);
        const last = reader.recording.lastSeq(id) ?? -1;
        const indexed = last < 0 ? 1 : (s.lastSeq + 1) / (last + 1);
        return { ...base, columns: summaryColumns(s, t0, t1, n), filtered: false, indexed };
      }
      const rows = reader.rows(id, Math.max(0, s0 - LOOKBACK), s1, detailFrames + LOOKBACK + 1, true);
      const detail = buildDetail({
        rows,
        t0,
        t1,
        n,
        endNs,
        lookup: (inv) => reader.invocationEnds(id, inv),
        maxLookups: 2_000,
        filter,
        names: namesOf(id),
      });
      const { columns, ...rest } = detail;
      return { ...base, columns, detail: rest, filtered: !isEmptyFilter(filter), indexed: 1 };
    },
    messages(id, from, count, filter) {
      const names = namesOf(id);
      if (isEmptyFilter(filter)) {
        const total = (reader.recording.lastSeq(id) ?? -1) + 1;
        const frames = reader.recording.frames(id, { afterSeq: from - 1, beforeSeq: from + count });
        return { total, rows: messageRows(frames, names) };
      }
      const got = filteredSeqs(id, filter);
      const seqs = Array.from(
        got.seqs.subarray(Math.min(from, got.length), Math.min(from + count, got.length)),
      );
      const frames = seqs.flatMap((seq) => reader.frame(id, seq) ?? []);
      return { total: got.length, rows: messageRows(frames, names) };
    },
    invocation(id, invocationId) {
      const frames = reader.invocationFrames(id, invocationId);
      if (frames.length === 0) return undefined;
      const names = namesOf(id);
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
    },
    message(id, seq) {
      const f = reader.frame(id, seq);
      return f && messageDetail(f, namesOf(id));
    },
    version() {
      return reader.recording
        .sessions()
        .map((s) => `${s.id}:${s.counts.toHost + s.counts.toWorker}:${s.end ? 'e' : ''}`)
        .join(',');
    },
  };
}
