import { apiUrl } from './api.js';
import { reportView } from './report.js';
import { sessionsView } from './sessions.js';
import { readState, writeState, type PageState } from './state.js';
import { timelineView } from './timeline.js';

/**
 * The viewer page's entry: picks the view from the URL hash (or the server's boot data),
 * keeps the hash in step with the state, and listens to the server's event stream to
 * refresh what is shown while a recording grows.
 */
const boot = JSON.parse(document.body.dataset.boot ?? '{}') as { session: number | null; report: boolean };
const app = document.getElementById('app')!;
let state: PageState = readState(location.hash);
if (!location.hash) {
  if (boot.report) state.view = 'report';
  else if (boot.session !== null) Object.assign(state, { view: 'timeline', session: boot.session });
}
let live: { onChange(): Promise<void> } | undefined;
let leaving = new AbortController();

function save(): void {
  history.replaceState(null, '', writeState(state));
}

async function show(): Promise<void> {
  for (const a of document.querySelectorAll<HTMLAnchorElement>('[data-nav]')) {
    a.classList.toggle('on', a.dataset.nav === state.view);
    if (a.dataset.nav === 'report') a.hidden = !boot.report;
  }
  document.body.dataset.view = state.view;
  live = undefined;
  leaving.abort();
  leaving = new AbortController();
  if (state.view === 'timeline' && state.session !== undefined) {
    live = await timelineView(app, state, save, leaving.signal);
  } else if (state.view === 'report' && boot.report) {
    await reportView(app);
  } else {
    state = { view: 'sessions', filter: {} };
    const sessions = sessionsView(app, (id) => {
      state = { view: 'timeline', session: id, filter: {} };
      save();
      void show();
    });
    live = { onChange: () => sessions.refresh() };
    await sessions.refresh();
  }
  save();
  document.body.dataset.ready = state.view;
}

for (const a of document.querySelectorAll<HTMLAnchorElement>('[data-nav]'))
  a.onclick = (e) => {
    e.preventDefault();
    const view = a.dataset.nav as PageState['view'];
    if (view === 'timeline' && state.session === undefined) return;
    state = { ...state, view };
    void show();
  };

const events = new EventSource(apiUrl('/api/events'));
events.addEventListener('change', () => void live?.onChange());
void show();
