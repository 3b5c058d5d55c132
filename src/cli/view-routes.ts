import type { ViewAnswer, ViewRequest } from '../wire/view-http.js';
import { parseViewFilter } from '../report/view-data.js';
import type { ViewModel } from './view-model.js';

/** What the routes serve besides the model: the page and an optional report. */
export interface ViewAssets {
  page: string;
  /** `--report`: its JSON as the page gets it, and a bench report's own HTML page. */
  report?: { json: string; benchHtml?: string };
  /** How often the event stream looks for changes, in ms. */
  pollMs: number;
}

const json = (value: unknown, status = 200): ViewAnswer => ({
  status,
  type: 'application/json',
  body: JSON.stringify(value),
});
const notFound = (what: string): ViewAnswer => json({ error: `no ${what}` }, 404);

function intParam(q: URLSearchParams, name: string, fallback: number): number {
  const v = Number(q.get(name));
  return q.has(name) && Number.isFinite(v) ? Math.floor(v) : fallback;
}

/**
 * The viewer's routes: `/` the page; `/api/…` JSON from the model; `/api/events` a
 * server-sent event `change` whenever the recording changes (a session added, grown or
 * ended); `/api/report` and `/report/bench.html` for `--report`. Unknown paths get 404.
 */
export function viewRoutes(model: ViewModel, assets: ViewAssets): (req: ViewRequest) => ViewAnswer {
  return ({ path, query: q }) => {
    const session = intParam(q, 'session', -1);
    switch (path) {
      case '/':
        return { status: 200, type: 'text/html; charset=utf-8', body: assets.page };
      case '/api/sessions':
        return json(model.sessions());
      case '/api/session':
        return json(model.session(session) ?? null, model.session(session) ? 200 : 404);
      case '/api/timeline': {
        const t0 = Math.max(0, intParam(q, 't0', 0));
        const t1 = Math.max(t0 + 1, intParam(q, 't1', t0 + 1));
        const n = Math.min(4000, Math.max(1, intParam(q, 'n', 1000)));
        return json(model.timeline(session, t0, t1, n, parseViewFilter(q)));
      }
      case '/api/messages': {
        const from = Math.max(0, intParam(q, 'from', 0));
        const count = Math.min(500, Math.max(1, intParam(q, 'count', 100)));
        return json(model.messages(session, from, count, parseViewFilter(q)));
      }
      case '/api/invocation': {
        const got = model.invocation(session, q.get('id') ?? '');
        return got ? json(got) : notFound('such invocation');
      }
      case '/api/message': {
        const got = model.message(session, intParam(q, 'seq', -1));
        return got ? json(got) : notFound('such message');
      }
      case '/api/report':
        return assets.report
          ? { status: 200, type: 'application/json', body: assets.report.json }
          : notFound('report');
      case '/report/bench.html':
        return assets.report?.benchHtml
          ? { status: 200, type: 'text/html; charset=utf-8', body: assets.report.benchHtml }
          : notFound('bench report');
      case '/api/events':
        return {
          events: (send, signal) => {
            let last = model.version();
            send('change', JSON.stringify({ version: last }));
            const timer = setInterval(() => {
              const now = model.version();
              if (now !== last) send('change', JSON.stringify({ version: (last = now) }));
            }, assets.pollMs);
            signal.addEventListener('abort', () => clearInterval(timer));
          },
        };
      default:
        return notFound('such page');
    }
  };
}
