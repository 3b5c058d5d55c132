import type { InvocationDetail, MessageDetail, TimelineView, ViewFilter } from '../view-data.js';
import type { SessionRow } from '../view-data.js';
import { el, filterParams, fnColour, getJson } from './api.js';
import { stripCharts } from './charts.js';
import { filterBar } from './filters.js';
import { drawGantt, type Drawn } from './gantt.js';
import { attachGestures, type Range } from './gestures.js';
import { showInvocation, showMessage } from './inspector.js';
import { messageList } from './list.js';
import type { PageState } from './state.js';

interface SessionInfo {
  row: SessionRow;
  endNs: number;
  functions: { id: string; name: string }[];
}

/** The timeline page's panels, in place under `root`. */
function layout(root: HTMLElement, id: number, info: SessionInfo) {
  const filters = el('div', { class: 'filters' });
  const legend = el('div', { class: 'legend' });
  const canvas = el('canvas', { id: 'gantt' });
  const charts = el('div', { class: 'charts' });
  const list = el('div', { id: 'list' });
  const inspector = el(
    'div',
    { id: 'inspector' },
    'Click an invocation (a bar), a control marker or a message.',
  );
  const follow = el('input', { type: 'checkbox', id: 'follow' });
  follow.checked = info.row.durationMs === undefined;
  root.replaceChildren(
    el('h3', {}, `Session ${id}${info.row.label ? ` (${info.row.label})` : ''}`),
    filters,
    legend,
    canvas,
    el('label', {}, follow, ' follow new messages (live)'),
    charts,
    el(
      'div',
      { class: 'lower' },
      el('div', { class: 'panel' }, el('h4', {}, 'Messages'), list),
      el('div', { class: 'panel' }, el('h4', {}, 'Inspector'), inspector),
    ),
  );
  legend.append(
    ...info.functions.map((f, i) => el('span', {}, el('i', { style: `background:${fnColour(i)}` }), f.name)),
    el('span', {}, el('i', { style: 'background:#cf222e' }), 'failed'),
    el('span', {}, el('i', { style: 'border:1px solid #bc4c00' }), 'cancelled'),
    el('span', {}, '| ticks: RpcLogs · ◆ top lane: control messages'),
  );
  return { filters, canvas, charts, list, inspector, follow };
}

/** What the timeline page keeps between events: its panels, the range shown and the last view drawn. */
interface Timeline {
  readonly id: number;
  readonly state: PageState;
  readonly save: () => void;
  readonly panels: ReturnType<typeof layout>;
  readonly chart: ReturnType<typeof stripCharts>;
  readonly rows: ReturnType<typeof messageList>;
  /** The session as last fetched (its end grows while it is recorded). */
  info: SessionInfo;
  t0: number;
  t1: number;
  view?: TimelineView;
  drawn: Drawn;
  /** The view request in flight, aborted by the next one. */
  pending?: AbortController;
  /** The next poll while the server is still counting messages. */
  again?: ReturnType<typeof setTimeout>;
  /** The animation frame that saves the range and fetches its view. */
  frame: number;
}

/** Everything the session has, with a margin (at least 1 µs). */
function fullRange(endNs: number): Range {
  return { t0: 0, t1: Math.max(1000, endNs * 1.02) };
}

/**
 * A session's timeline page: filters, the Gantt canvas (wheel zooms around the pointer,
 * drag pans, double-click shows everything), the strip charts, the message list and the
 * inspector, until `signal` aborts (another view opens). Each change of range, filter or selection is written back to the state
 * (`save`), so the URL reopens it. `onChange` is called by the live event stream.
 */
export async function timelineView(
  root: HTMLElement,
  state: PageState,
  save: () => void,
  signal: AbortSignal,
): Promise<{ onChange(): Promise<void> }> {
  const id = state.session!;
  const info = await getJson<SessionInfo>('/api/session', { session: id });
  const panels = layout(root, id, info);
  const chart = stripCharts(panels.charts);
  const rows = messageList(panels.list, (r) =>
    r.invocationId ? void select(t, r.invocationId) : void selectSeq(t, r.seq),
  );
  const full = fullRange(info.endNs);
  const t: Timeline = {
    id,
    state,
    save,
    panels,
    chart,
    rows,
    info,
    t0: state.t0 ?? full.t0,
    t1: state.t1 ?? full.t1,
    drawn: { hit: () => undefined },
    frame: 0,
  };
  attachGestures(panels.canvas, {
    range: () => ({ t0: t.t0, t1: t.t1 }),
    set: (r) => {
      ({ t0: t.t0, t1: t.t1 } = r);
      rangeChanged(t);
    },
    full: () => fullRange(t.info.endNs),
    click: (x, y) => {
      const hit = t.drawn.hit(x, y);
      if (hit?.bar) void select(t, hit.bar.id);
      else if (hit?.marker) void selectSeq(t, hit.marker.seq);
    },
    signal,
  });
  filterBar(panels.filters, state.filter, info.functions, (f) => setFilter(t, f));
  await Promise.all([fetchView(t), rows.reset(id, state.filter)]);
  if (state.inv) await select(t, state.inv);
  else if (state.seq !== undefined) await selectSeq(t, state.seq);
  window.addEventListener('resize', () => void fetchView(t), { signal });
  return { onChange: () => sessionChanged(t) };
}

/** Draws the last view fetched over the current range (nothing before the first one comes). */
function redraw(t: Timeline): void {
  const fnIndex = (fid: string) => t.info.functions.findIndex((f) => f.id === fid);
  if (t.view) t.drawn = drawGantt(t.panels.canvas, t.view, t.t0, t.t1, fnIndex);
}

/**
 * Fetches the view of the current range and filter and draws it; a newer fetch aborts this
 * one. While the server is still counting messages, asks again every 50 ms.
 */
async function fetchView(t: Timeline): Promise<void> {
  t.pending?.abort();
  clearTimeout(t.again);
  const ac = new AbortController();
  t.pending = ac;
  const params = {
    session: t.id,
    t0: Math.floor(t.t0),
    t1: Math.ceil(t.t1),
    n: Math.max(100, t.panels.canvas.clientWidth),
    ...filterParams(t.state.filter),
  };
  try {
    const got = await getJson<TimelineView>('/api/timeline', params, ac.signal);
    if (ac.signal.aborted) return;
    t.view = got;
    redraw(t);
    t.chart.update(got.columns);
    t.panels.canvas.dataset.indexed = String(got.indexed);
    document.getElementById('status')!.textContent = statusText(got, t.state.filter);
    if (got.indexed < 1) t.again = setTimeout(() => void fetchView(t), 50);
    else document.body.dataset.drawn = String(Date.now());
  } catch (err) {
    if (!ac.signal.aborted) document.getElementById('status')!.textContent = String(err);
  }
}

/** The status line for a view: the counting's progress, or how many messages it shows. */
function statusText(got: TimelineView, filter: ViewFilter): string {
  const unfiltered = !got.detail && Object.keys(filter).length > 0;
  return got.indexed < 1
    ? `counting messages… ${Math.round(got.indexed * 100)}%`
    : `${got.frames} messages in view${unfiltered ? ' (the filter applies to bars: zoom in)' : ''}`;
}

/** The range moved: redraw now, save it and fetch its view at the next animation frame (once per frame). */
function rangeChanged(t: Timeline): void {
  t.state.t0 = t.t0;
  t.state.t1 = t.t1;
  redraw(t);
  cancelAnimationFrame(t.frame);
  t.frame = requestAnimationFrame(() => {
    t.save();
    void fetchView(t);
  });
}

/** Selects an invocation (saved) and shows it in the inspector. */
async function select(t: Timeline, inv: string): Promise<void> {
  t.state.inv = inv;
  delete t.state.seq;
  t.save();
  showInvocation(
    t.panels.inspector,
    await getJson<InvocationDetail>('/api/invocation', { session: t.id, id: inv }),
  );
}

/** Selects a message (saved) and shows it in the inspector. */
async function selectSeq(t: Timeline, seq: number): Promise<void> {
  t.state.seq = seq;
  delete t.state.inv;
  t.save();
  showMessage(t.panels.inspector, await getJson<MessageDetail>('/api/message', { session: t.id, seq }));
}

/** A new filter (saved): the bars and the list start over with it. */
function setFilter(t: Timeline, f: ViewFilter): void {
  t.state.filter = f;
  t.save();
  void fetchView(t);
  void t.rows.reset(t.id, f);
}

/**
 * The recording changed: fetch the session again and, when following a session that grew,
 * move a range that reached its old end to the new end (keeping its width, or its start
 * when it starts at 0), and ask the list again.
 */
async function sessionChanged(t: Timeline): Promise<void> {
  const before = t.info.endNs;
  t.info = await getJson<SessionInfo>('/api/session', { session: t.id });
  if (!t.panels.follow.checked || t.info.endNs === before) return;
  if (t.t1 >= before) {
    ({ t0: t.t0, t1: t.t1 } = followed(t, t.info.endNs));
    rangeChanged(t);
  }
  await t.rows.refresh();
}

/** The range `r` moved to end at the margin past `endNs`: wider when it starts at 0, else shifted. */
function followed(r: Range, endNs: number): Range {
  const span = r.t1 - r.t0;
  if (r.t0 === 0) return { t0: r.t0, t1: Math.max(r.t1, endNs * 1.02) };
  return { t0: Math.max(0, endNs * 1.02 - span), t1: endNs * 1.02 };
}
