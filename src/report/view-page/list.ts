import type { MessageRow, ViewFilter } from '../view-data.js';
import { el, filterParams, fmtBytes, fmtNs, getJson } from './api.js';

const ROW = 20;
const PAGE = 200;

/** The list's state: what it shows, the pages fetched (or being fetched) and their generation. */
interface List {
  readonly root: HTMLElement;
  /** As tall as every row; holds the rows in sight. */
  readonly spacer: HTMLElement;
  readonly pick: (row: MessageRow) => void;
  session: number;
  filter: ViewFilter;
  total: number;
  pages: Map<number, MessageRow[] | Promise<void>>;
  /** Bumped by each start over: an answer of an older generation is dropped. */
  generation: number;
}

/**
 * The message list, virtualised: a spacer as tall as every row, and only the rows in
 * sight (and a page around them) in the DOM, fetched a page at a time. `pick` is told
 * which row was clicked. `reset` starts over (a new session or filter); `refresh` keeps
 * the scroll position but asks again (a live recording grew).
 */
export function messageList(
  root: HTMLElement,
  pick: (row: MessageRow) => void,
): { reset(session: number, filter: ViewFilter): Promise<void>; refresh(): Promise<void>; total(): number } {
  const spacer = el('div', { style: 'position:relative' });
  root.replaceChildren(spacer);
  const l: List = { root, spacer, pick, session: -1, filter: {}, total: 0, pages: new Map(), generation: 0 };
  root.addEventListener('scroll', () => requestAnimationFrame(() => draw(l)));
  return {
    async reset(s, f) {
      l.session = s;
      l.filter = f;
      l.generation += 1;
      l.pages = new Map();
      root.scrollTop = 0;
      delete root.dataset.total;
      await load(l, 0);
    },
    async refresh() {
      l.generation += 1;
      l.pages = new Map();
      await load(l, Math.floor(root.scrollTop / ROW / PAGE));
    },
    total: () => l.total,
  };
}

/** Fetches a page of rows once (a page fetched or being fetched is not asked again), then draws. */
async function load(l: List, page: number): Promise<void> {
  if (l.pages.has(page)) return;
  const gen = l.generation;
  const p = getJson<{ total: number; rows: MessageRow[] }>('/api/messages', {
    session: l.session,
    from: page * PAGE,
    count: PAGE,
    ...filterParams(l.filter),
  }).then((got) => {
    if (gen !== l.generation) return;
    l.pages.set(page, got.rows);
    if (got.total !== l.total || l.root.dataset.total === undefined) setTotal(l, got.total);
    draw(l);
  });
  l.pages.set(page, p);
  return p;
}

/** The number of rows: the spacer's height and the root's `data-total`. */
function setTotal(l: List, n: number): void {
  l.total = n;
  l.spacer.style.height = `${l.total * ROW}px`;
  l.root.dataset.total = String(l.total);
}

/** Puts the rows in sight (and 10 around them) in the DOM, loading the pages that are missing. */
function draw(l: List): void {
  const first = Math.max(0, Math.floor(l.root.scrollTop / ROW) - 10);
  const last = Math.min(l.total, Math.ceil((l.root.scrollTop + l.root.clientHeight) / ROW) + 10);
  const rows: HTMLElement[] = [];
  for (let i = first; i < last; i++) {
    const page = l.pages.get(Math.floor(i / PAGE));
    if (!Array.isArray(page)) {
      void load(l, Math.floor(i / PAGE));
      continue;
    }
    const r = page[i % PAGE];
    if (r) rows.push(rowElement(l, r, i));
  }
  l.spacer.replaceChildren(...rows);
  l.root.dataset.shown = String(rows.length);
}

/** Row `i` of the list: one line of text at its place; a click selects it and tells `pick`. */
function rowElement(l: List, r: MessageRow, i: number): HTMLElement {
  const arrow = r.direction === 'toWorker' ? 'H→W' : 'H←W';
  const text = `${fmtNs(r.tNs).padStart(11)} ${arrow} ${r.kind.padEnd(24)} ${(r.invocationId ?? '').slice(0, 8).padEnd(8)} ${(r.function ?? '').padEnd(10)} ${fmtBytes(r.size).padStart(8)}  ${r.summary}`;
  const row = el('div', { class: 'row', style: `top:${i * ROW}px`, 'data-seq': String(r.seq) }, text);
  if (r.invocationId) row.dataset.invocation = r.invocationId;
  row.onclick = () => {
    for (const s of l.spacer.querySelectorAll('.sel')) s.classList.remove('sel');
    row.classList.add('sel');
    l.pick(r);
  };
  return row;
}
