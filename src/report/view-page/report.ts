import type { ReplayOutcome, ReplayReport } from '../replay-report.js';
import { apiUrl, el, getJson } from './api.js';
import { jsonTree } from './inspector.js';

type Doc =
  | { kind: 'bench' }
  | { kind: 'replay'; report: ReplayReport & { summary?: string }; recorded: Record<string, unknown> };

/** Path segments of `a.b[0].c`: ['a', 'b', 0, 'c']. */
function segments(path: string): (string | number)[] {
  return [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]!));
}

/** The recorded JSON with each difference's live value put at its path (a missing live value removes the field). */
export function liveJson(recorded: unknown, differences: ReplayOutcome['differences']): unknown {
  const copy = structuredClone(recorded) as Record<string | number, unknown>;
  for (const d of differences) {
    const segs = segments(d.path);
    let at: Record<string | number, unknown> = copy;
    for (const [i, s] of segs.entries()) {
      if (i === segs.length - 1) {
        if (d.live === undefined) delete at[s];
        else at[s] = d.live;
      } else {
        at[s] ??= typeof segs[i + 1] === 'number' ? [] : {};
        at = at[s] as Record<string | number, unknown>;
      }
    }
  }
  return copy;
}

function outcomeBlock(o: ReplayOutcome, recorded: unknown): HTMLElement {
  const title = `${o.status}: ${o.kind} ${o.invocationId ?? o.key}${o.functionName ? ` (${o.functionName})` : ''}${o.note ? ` — ${o.note}` : ''}`;
  const box = el('div', { class: 'outcome', 'data-status': o.status }, el('h4', {}, title));
  const marked = new Set(o.differences.map((d) => d.path));
  if (recorded !== undefined && o.differences.length > 0) {
    box.append(
      el(
        'div',
        { class: 'side' },
        el('div', {}, el('h5', {}, 'recorded'), jsonTree(recorded, marked, 2)),
        el('div', {}, el('h5', {}, 'live'), jsonTree(liveJson(recorded, o.differences), marked, 2)),
      ),
    );
  } else if (o.differences.length > 0) {
    const rows = o.differences.map((d) =>
      el(
        'tr',
        {},
        el('td', { class: 'diff' }, d.path),
        el('td', {}, JSON.stringify(d.recorded) ?? '—'),
        el('td', {}, JSON.stringify(d.live) ?? '—'),
      ),
    );
    box.append(
      el(
        'table',
        {},
        el('tr', {}, el('th', {}, 'path'), el('th', {}, 'recorded'), el('th', {}, 'live')),
        ...rows,
      ),
    );
  } else if (o.live !== undefined) box.append(jsonTree(o.live, new Set(), 2));
  return box;
}

/** `--report`: a replay's verdict and each answer that did not match, or a bench report's own page. */
export async function reportView(root: HTMLElement): Promise<void> {
  const doc = await getJson<Doc>('/api/report');
  if (doc.kind === 'bench') {
    root.replaceChildren(
      el('iframe', { class: 'bench', src: apiUrl('/report/bench.html'), title: 'bench report' }),
    );
    return;
  }
  const r = doc.report;
  const c = r.counts;
  const bad = r.outcomes.filter((o) => o.status !== 'matched');
  root.replaceChildren(
    el(
      'h3',
      { id: 'verdict', class: bad.length ? 'bad' : 'ok' },
      `Replay (${r.played} played): ${r.summary ?? `${c.matched} matched, ${c.differed} differed, ${c.missing} missing`}`,
    ),
    el(
      'p',
      {},
      `session ${r.session.id ?? '?'} · pace ${r.pace} · ${(r.durationMs / 1000).toFixed(2)} s · ${r.stream.broken ? 'stream broken' : 'stream ended normally'}`,
    ),
    ...bad
      .slice(0, 500)
      .map((o) => outcomeBlock(o, o.recordedSeq === undefined ? undefined : doc.recorded[o.recordedSeq])),
  );
}
