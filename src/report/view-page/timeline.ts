import type { InvocationDetail, MessageDetail, TimelineView, ViewFilter } from '../view-data.js';
import type { SessionRow } from '../view-data.js';
import { el, filterParams, fnColour, getJson } from './api.js';
import { stripCharts } from './charts.js';
import { filterBar } from './filters.js';
import { drawGantt, type Drawn } from './gantt.js';
import { attachGestures } from './gestures.js';
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
  let info = await getJson<SessionInfo>('/api/session', { session: id });
  const fnIndex = (fid: string) => info.functions.findIndex((f) => f.id === fid);
  const { filters, canvas, charts, list, inspector, follow } = layout(root, id, info);
  const chart = stripCharts(charts);
  const rows = messageList(list, (r) =>
    r.invocationId ? void select(r.invocationId) : void selectSeq(r.seq),
  );

  const full = () => ({ t0: 0, t1: Math.max(1000, info.endNs * 1.02) });
  let t0 = state.t0 ?? full().t0;
  let t1 = state.t1 ?? full().t1;
  let view: TimelineView | undefined;
  let drawn: Drawn = { hit: () => undefined };
  let pending: AbortController | undefined;
  let again: ReturnType<typeof setTimeout> | undefined;

  function redraw(): void {
    if (view) drawn = drawGantt(canvas, view, t0, t1, fnIndex);
  }

  async function fetchView(): Promise<void> {
    pending?.abort();
    clearTimeout(again);
    const ac = new AbortController();
    pending = ac;
    const params = {
      session: id,
      t0: Math.floor(t0),
      t1: Math.ceil(t1),
      n: Math.max(100, canvas.clientWidth),
      ...filterParams(state.filter),
    };
    try {
      const got = await getJson<TimelineView>('/api/timeline', params, ac.signal);
      if (ac.signal.aborted) return;
      view = got;
      redraw();
      chart.update(got.columns);
      canvas.dataset.indexed = String(got.indexed);
      const unfiltered = !got.detail && Object.keys(state.filter).length > 0;
      document.getElementById('status')!.textContent =
        got.indexed < 1
          ? `counting messages… ${Math.round(got.indexed * 100)}%`
          : `${got.frames} messages in view${unfiltered ? ' (the filter applies to bars: zoom in)' : ''}`;
      if (got.indexed < 1) again = setTimeout(() => void fetchView(), 50);
      else document.body.dataset.drawn = String(Date.now());
    } catch (err) {
      if (!ac.signal.aborted) document.getElementById('status')!.textContent = String(err);
    }
  }

  let frame = 0;
  function rangeChanged(): void {
    state.t0 = t0;
    state.t1 = t1;
    redraw();
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(() => {
      save();
      void fetchView();
    });
  }

  attachGestures(canvas, {
    range: () => ({ t0, t1 }),
    set: (r) => {
      ({ t0, t1 } = r);
      rangeChanged();
    },
    full,
    click: (x, y) => {
      const hit = drawn.hit(x, y);
      if (hit?.bar) void select(hit.bar.id);
      else if (hit?.marker) void selectSeq(hit.marker.seq);
    },
    signal,
  });

  async function select(inv: string): Promise<void> {
    state.inv = inv;
    delete state.seq;
    save();
    showInvocation(inspector, await getJson<InvocationDetail>('/api/invocation', { session: id, id: inv }));
  }
  async function selectSeq(seq: number): Promise<void> {
    state.seq = seq;
    delete state.inv;
    save();
    showMessage(inspector, await getJson<MessageDetail>('/api/message', { session: id, seq }));
  }
  function setFilter(f: ViewFilter): void {
    state.filter = f;
    save();
    void fetchView();
    void rows.reset(id, f);
  }

  filterBar(filters, state.filter, info.functions, setFilter);
  await Promise.all([fetchView(), rows.reset(id, state.filter)]);
  if (state.inv) await select(state.inv);
  else if (state.seq !== undefined) await selectSeq(state.seq);
  window.addEventListener('resize', () => void fetchView(), { signal });
  return {
    async onChange() {
      const before = info.endNs;
      info = await getJson<SessionInfo>('/api/session', { session: id });
      if (!follow.checked || info.endNs === before) return;
      if (t1 >= before) {
        const span = t1 - t0;
        if (t0 === 0) t1 = Math.max(t1, info.endNs * 1.02);
        else [t0, t1] = [Math.max(0, info.endNs * 1.02 - span), info.endNs * 1.02];
        rangeChanged();
      }
      await rows.refresh();
    },
  };
}
