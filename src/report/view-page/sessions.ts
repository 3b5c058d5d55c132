import type { SessionRow } from '../view-data.js';
import { el, getJson } from './api.js';

type Key =
  | 'id'
  | 'label'
  | 'workerId'
  | 'startWallMs'
  | 'durationMs'
  | 'messages'
  | 'endReason'
  | 'endWallMs';
const COLUMNS: [Key, string][] = [
  ['id', 'Session'],
  ['label', 'Label'],
  ['workerId', 'Worker id'],
  ['startWallMs', 'Start'],
  ['durationMs', 'Duration'],
  ['messages', 'Messages (→worker / →host)'],
  ['endReason', 'End'],
  ['endWallMs', 'Ended at'],
];

const value = (r: SessionRow, k: Key): string | number =>
  k === 'messages'
    ? r.toHost + r.toWorker
    : ((r[k as keyof SessionRow] as string | number | undefined) ?? '');

/**
 * The sessions table, sortable by any column (click a header; again to reverse). Clicking
 * a row opens its timeline through `open`. `refresh` reloads it (live recordings).
 */
export function sessionsView(root: HTMLElement, open: (id: number) => void): { refresh(): Promise<void> } {
  let sort: Key = 'id';
  let desc = false;
  let rows: SessionRow[] = [];
  const table = el('table', { class: 'sessions', id: 'sessions' });
  root.replaceChildren(el('h3', {}, 'Sessions'), table);

  function render(): void {
    const sorted = [...rows].sort((a, b) => {
      const x = value(a, sort);
      const y = value(b, sort);
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return desc ? -c : c;
    });
    const head = el(
      'tr',
      {},
      ...COLUMNS.map(([k, name]) => {
        const th = el('th', { 'data-key': k }, name + (k === sort ? (desc ? ' ▼' : ' ▲') : ''));
        th.onclick = () => {
          desc = sort === k ? !desc : false;
          sort = k;
          render();
        };
        return th;
      }),
    );
    const body = sorted.map((r) => {
      const tr = el(
        'tr',
        { class: 'row', 'data-session': String(r.id) },
        el('td', {}, String(r.id)),
        el('td', {}, r.label ?? ''),
        el('td', {}, r.workerId ?? ''),
        el('td', {}, new Date(r.startWallMs).toISOString().replace('T', ' ').slice(0, 23)),
        el('td', {}, r.durationMs === undefined ? 'recording…' : `${(r.durationMs / 1000).toFixed(3)} s`),
        el('td', {}, `${r.toHost + r.toWorker} (${r.toWorker} / ${r.toHost})`),
        el('td', {}, r.endReason ?? 'not ended'),
        el('td', {}, r.endWallMs ? new Date(r.endWallMs).toISOString().slice(11, 23) : ''),
      );
      tr.onclick = () => open(r.id);
      return tr;
    });
    table.replaceChildren(head, ...body);
    table.dataset.rows = String(rows.length);
  }

  return {
    async refresh() {
      rows = await getJson<SessionRow[]>('/api/sessions');
      render();
    },
  };
}
