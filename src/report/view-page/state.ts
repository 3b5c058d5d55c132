import type { Direction } from '../../model/frame.js';
import type { InvocationStatusName, ViewFilter } from '../view-data.js';

/** Everything a link reopens: which view, session, range, selection and filter. Kept in the URL hash. */
export interface PageState {
  view: 'sessions' | 'timeline' | 'report';
  session?: number;
  t0?: number;
  t1?: number;
  /** Selected invocation, or message seq. */
  inv?: string;
  seq?: number;
  filter: ViewFilter;
}

export function readState(hash: string): PageState {
  const q = new URLSearchParams(hash.replace(/^#/, ''));
  const num = (k: string) => (q.has(k) && Number.isFinite(Number(q.get(k))) ? Number(q.get(k)) : undefined);
  const view = q.get('view');
  const state: PageState = {
    view: view === 'timeline' || view === 'report' ? view : 'sessions',
    filter: {},
  };
  const session = num('s');
  if (session !== undefined) state.session = session;
  const t0 = num('t0');
  const t1 = num('t1');
  if (t0 !== undefined && t1 !== undefined && t1 > t0) Object.assign(state, { t0, t1 });
  if (q.get('inv')) state.inv = q.get('inv')!;
  const seq = num('seq');
  if (seq !== undefined) state.seq = seq;
  const list = (k: string) => q.get(k)?.split(',').filter(Boolean);
  const kinds = list('kind');
  if (kinds?.length) state.filter.kinds = kinds;
  const fns = list('fn');
  if (fns?.length) state.filter.functions = fns;
  const dir = q.get('dir');
  if (dir === 'toHost' || dir === 'toWorker') state.filter.direction = dir as Direction;
  const status = q.get('status');
  if (status) state.filter.status = status as InvocationStatusName;
  if (q.get('q')) state.filter.text = q.get('q')!;
  return state;
}

export function writeState(s: PageState): string {
  const q = new URLSearchParams();
  q.set('view', s.view);
  if (s.session !== undefined) q.set('s', String(s.session));
  if (s.t0 !== undefined && s.t1 !== undefined) {
    q.set('t0', String(Math.round(s.t0)));
    q.set('t1', String(Math.round(s.t1)));
  }
  if (s.inv) q.set('inv', s.inv);
  if (s.seq !== undefined) q.set('seq', String(s.seq));
  const f = s.filter;
  if (f.kinds) q.set('kind', f.kinds.join(','));
  if (f.functions) q.set('fn', f.functions.join(','));
  if (f.direction) q.set('dir', f.direction);
  if (f.status) q.set('status', f.status);
  if (f.text) q.set('q', f.text);
  return `#${q}`;
}
