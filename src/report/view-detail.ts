import type { IndexRow } from '../model/index-row.js';
import type { Bar, Marker, TimelineColumns, ViewFilter } from './view-data.js';
import { STATUS_NAMES } from './view-data.js';
import { packLanes } from './view-lanes.js';
import { emptyColumns } from './view-summary.js';

const INVOCATION_KINDS = new Set(['invocationRequest', 'invocationResponse', 'invocationCancel', 'rpcLog']);

export interface DetailInput {
  /** Rows in seq order from somewhat before t0 (to catch invocations that began earlier) to t1. */
  rows: readonly IndexRow[];
  t0: number;
  t1: number;
  n: number;
  /** t_ns of the last stored message: where an unanswered invocation's bar ends. */
  endNs: number;
  /** The request and answer of an invocation whose other end is not among the rows. */
  lookup: (invocationId: string) => { request?: IndexRow; answer?: IndexRow };
  /** Most lookups made (each is one indexed query). */
  maxLookups: number;
  filter: ViewFilter;
  /** Function names by id, for the text filter. */
  names: ReadonlyMap<string, string>;
}

interface Open {
  request?: IndexRow;
  answer?: IndexRow;
  cancelNs?: number;
  logs: number[];
  text: string[];
}

/**
 * The bars (one per invocation overlapping [t0, t1) whose request is known), the control
 * markers in [t0, t1) and the columns drawn from both, all narrowed by the filter. Bars
 * are packed into lanes. Pure: the caller reads the rows and answers the lookups.
 */
export function buildDetail(input: DetailInput): {
  bars: Bar[];
  markers: Marker[];
  lanes: number;
  columns: TimelineColumns;
} {
  const { rows, t0, t1, filter } = input;
  const byId = new Map<string, Open>();
  const markers: Marker[] = [];
  for (const r of rows) {
    if (!INVOCATION_KINDS.has(r.kind) || !r.invocationId) {
      if (r.tNs >= t0 && r.tNs < t1 && keepMarker(r, filter))
        markers.push({ seq: r.seq, tNs: r.tNs, kind: r.kind, direction: r.direction });
      continue;
    }
    let o = byId.get(r.invocationId);
    if (!o) byId.set(r.invocationId, (o = { logs: [], text: [] }));
    if (r.kind === 'invocationRequest') o.request ??= r;
    else if (r.kind === 'invocationResponse') o.answer ??= r;
    else if (r.kind === 'invocationCancel') o.cancelNs ??= r.tNs;
    else {
      o.logs.push(r.tNs);
      if (r.log) o.text.push(r.log.toLowerCase());
    }
  }
  let lookups = input.maxLookups;
  const bars: Bar[] = [];
  for (const [id, o] of byId) {
    if ((!o.request || !o.answer) && lookups > 0) {
      lookups -= 1;
      const got = input.lookup(id);
      o.request ??= got.request;
      o.answer ??= got.answer;
    }
    if (!o.request) continue;
    const bar: Bar = {
      id,
      functionId: o.request.functionId ?? '',
      t0: o.request.tNs,
      t1: o.answer?.tNs ?? input.endNs,
      open: !o.answer,
      cancelled: o.cancelNs !== undefined,
      lane: 0,
      logs: o.logs,
    };
    if (o.answer?.status !== undefined) bar.status = o.answer.status;
    if (bar.t1 < t0 || bar.t0 >= t1 || !keepBar(bar, o, input)) continue;
    bars.push(bar);
  }
  const packed = packLanes(bars);
  for (const [i, b] of bars.entries()) b.lane = packed.lanes[i]!;
  return { bars, markers, lanes: packed.count, columns: detailColumns(input, bars, markers, byId) };
}

function keepMarker(r: IndexRow, f: ViewFilter): boolean {
  if (f.kinds && !f.kinds.includes(r.kind)) return false;
  if (f.direction && r.direction !== f.direction) return false;
  if (f.functions && !(r.functionId && f.functions.includes(r.functionId))) return false;
  if (f.status) return false;
  if (
    f.text &&
    !r.kind.toLowerCase().includes(f.text) &&
    !(r.functionId ?? '').toLowerCase().includes(f.text)
  )
    return false;
  return true;
}

function keepBar(bar: Bar, o: Open, input: DetailInput): boolean {
  const f = input.filter;
  if (f.kinds && !f.kinds.some((k) => INVOCATION_KINDS.has(k))) return false;
  if (f.functions && !f.functions.includes(bar.functionId)) return false;
  if (f.status) {
    const name = bar.open ? 'open' : STATUS_NAMES[bar.status ?? 0];
    if (name !== f.status) return false;
  }
  if (f.text) {
    const t = f.text;
    const name = (input.names.get(bar.functionId) ?? '').toLowerCase();
    const hit =
      bar.id.toLowerCase().includes(t) ||
      bar.functionId.toLowerCase().includes(t) ||
      name.includes(t) ||
      o.text.some((line) => line.includes(t));
    if (!hit) return false;
  }
  return true;
}

function detailColumns(
  input: DetailInput,
  bars: readonly Bar[],
  markers: readonly Marker[],
  byId: ReadonlyMap<string, Open>,
): TimelineColumns {
  const { t0, t1, n } = input;
  const out = emptyColumns(t0, t1, n);
  const span = Math.max(1, t1 - t0);
  const col = (t: number) => Math.floor(((t - t0) / span) * n);
  const add = (a: number[], t: number) => {
    const c = col(t);
    if (c >= 0 && c < n) a[c]! += 1;
  };
  for (const b of bars) {
    add(out.starts, b.t0);
    const o = byId.get(b.id);
    if (!b.open) {
      add(out.answers, b.t1);
      if (b.status === 0) add(out.failed, b.t1);
      else if (b.status === 2) add(out.cancelled, b.t1);
    }
    if (o?.cancelNs !== undefined) add(out.cancels, o.cancelNs);
    for (const l of b.logs) add(out.logs, l);
    const from = Math.max(0, col(b.t0));
    const to = Math.min(n - 1, col(b.t1));
    for (let c = from; c <= to; c++) out.inflight[c]! += 1;
  }
  for (const m of markers) add(out.control, m.tNs);
  return out;
}
