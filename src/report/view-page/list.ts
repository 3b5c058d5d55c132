import type { MessageRow, ViewFilter } from '../view-data.js';
import { el, filterParams, fmtBytes, fmtNs, getJson } from './api.js';

const ROW = 20;
const PAGE = 200;

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
  let session = -1;
  let filter: ViewFilter = {};
  let total = 0;
  let pages = new Map<number, MessageRow[] | Promise<void>>();
  let generation = 0;

  async function load(page: number): Promise<void> {
    if (pages.has(page)) return;
    const gen = generation;
    const p = getJson<{ total: number; rows: MessageRow[] }>('/api/messages', {
      session,
      from: page * PAGE,
      count: PAGE,
      ...filterParams(filter),
    }).then((got) => {
      if (gen !== generation) return;
      pages.set(page, got.rows);
      if (got.total !== total || root.dataset.total === undefined) setTotal(got.total);
      draw();
    });
    pages.set(page, p);
    return p;
  }

  function setTotal(n: number): void {
    total = n;
    spacer.style.height = `${total * ROW}px`;
    root.dataset.total = String(total);
  }

  function draw(): void {
    const first = Math.max(0, Math.floor(root.scrollTop / ROW) - 10);
    const last = Math.min(total, Math.ceil((root.scrollTop + root.clientHeight) / ROW) + 10);
    const rows: HTMLElement[] = [];
    for (let i = first; i < last; i++) {
      const page = pages.get(Math.floor(i / PAGE));
      if (!Array.isArray(page)) {
        void load(Math.floor(i / PAGE));
        continue;
      }
      const r = page[i % PAGE];
      if (!r) continue;
      const arrow = r.direction === 'toWorker' ? 'H→W' : 'H←W';
      const text = `${fmtNs(r.tNs).padStart(11)} ${arrow} ${r.kind.padEnd(24)} ${(r.invocationId ?? '').slice(0, 8).padEnd(8)} ${(r.function ?? '').padEnd(10)} ${fmtBytes(r.size).padStart(8)}  ${r.summary}`;
      const row = el('div', { class: 'row', style: `top:${i * ROW}px`, 'data-seq': String(r.seq) }, text);
      if (r.invocationId) row.dataset.invocation = r.invocationId;
      row.onclick = () => {
        for (const s of spacer.querySelectorAll('.sel')) s.classList.remove('sel');
        row.classList.add('sel');
        pick(r);
      };
      rows.push(row);
    }
    spacer.replaceChildren(...rows);
    root.dataset.shown = String(rows.length);
  }

  root.addEventListener('scroll', () => requestAnimationFrame(draw));
  return {
    async reset(s, f) {
      session = s;
      filter = f;
      generation += 1;
      pages = new Map();
      root.scrollTop = 0;
      delete root.dataset.total;
      await load(0);
    },
    async refresh() {
      generation += 1;
      pages = new Map();
      await load(Math.floor(root.scrollTop / ROW / PAGE));
    },
    total: () => total,
  };
}
