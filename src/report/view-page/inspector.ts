import type { InvocationDetail, MessageDetail } from '../view-data.js';
import { el, fmtBytes, fmtNs } from './api.js';

const STATUS = ['Failure', 'Success', 'Cancelled'];

/**
 * A proto3 JSON value as a collapsible tree (<details> per object and array, open to
 * `openDepth`). Leaves whose path (`a.b[0].c`) is in `marked` get the class `diff`.
 */
export function jsonTree(
  value: unknown,
  marked: ReadonlySet<string> = new Set(),
  openDepth = 4,
): HTMLElement {
  const root = el('div', { class: 'tree' });
  root.append(node('', value, '', marked, 0, openDepth));
  return root;
}

function node(
  key: string,
  value: unknown,
  path: string,
  marked: ReadonlySet<string>,
  depth: number,
  openDepth: number,
): Node {
  const label = key ? [el('span', { class: 'k' }, key), ': '] : [];
  const isDiff = marked.has(path);
  if (value !== null && typeof value === 'object') {
    const entries = Array.isArray(value)
      ? value.map((v, i) => [String(i), v, `${path}[${i}]`] as const)
      : Object.entries(value).map(([k, v]) => [k, v, path ? `${path}.${k}` : k] as const);
    const d = el('details', isDiff ? { class: 'diff' } : {});
    if (depth < openDepth || [...marked].some((m) => m.startsWith(path))) d.open = true;
    const brackets = Array.isArray(value) ? `[${entries.length}]` : `{${entries.length}}`;
    d.append(el('summary', {}, ...label, brackets));
    for (const [k, v, p] of entries) d.append(node(k, v, p, marked, depth + 1, openDepth));
    return d;
  }
  const cls = typeof value === 'string' ? 's' : 'n';
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return el(
    'div',
    { class: `leaf${isDiff ? ' diff' : ''}`, 'data-path': path },
    ...label,
    el('span', { class: cls }, text),
  );
}

function messageBlock(m: MessageDetail, t0: number | undefined): HTMLElement {
  const at = t0 === undefined ? fmtNs(m.tNs) : `+${fmtNs(m.tNs - t0)}`;
  const head = el(
    'h5',
    {},
    `${m.direction === 'toWorker' ? 'host → worker' : 'worker → host'}  ${m.kind}  seq ${m.seq}  at ${at}  ${fmtBytes(m.bytes)}${m.redacted ? ' (redacted)' : ''}`,
  );
  const block = el('div', { class: 'msg', 'data-kind': m.kind, 'data-seq': String(m.seq) }, head);
  if (m.summary) block.append(el('div', {}, m.summary));
  if (m.decodeError) block.append(el('div', { class: 'bad' }, `does not decode: ${m.decodeError}`));
  if (m.json !== null) block.append(jsonTree(m.json, new Set(), m.kind === 'rpcLog' ? 1 : 3));
  const hex = el(
    'details',
    {},
    el('summary', {}, `bytes (hex, ${m.bytes} B)`),
    el('pre', { class: 'hex' }, m.hex),
  );
  block.append(hex);
  return block;
}

/** The inspector: an invocation's request, logs and answer together, or one message. */
export function showInvocation(root: HTMLElement, d: InvocationDetail): void {
  const t0 = d.messages[0]?.tNs;
  const status = d.status === undefined ? 'no answer stored' : (STATUS[d.status] ?? `status ${d.status}`);
  const facts = [
    `function ${d.functionName ?? d.functionId ?? '?'}`,
    status,
    d.durationNs === undefined ? '' : `took ${fmtNs(d.durationNs)}`,
    `${d.messages.length} messages`,
  ].filter(Boolean);
  root.replaceChildren(
    el('h4', {}, `Invocation ${d.id}`),
    el('div', { class: d.status === 1 ? 'ok' : 'bad', id: 'inspector-facts' }, facts.join(' · ')),
    ...d.messages.map((m) => messageBlock(m, t0)),
  );
  root.dataset.invocation = d.id;
}

export function showMessage(root: HTMLElement, m: MessageDetail): void {
  root.replaceChildren(el('h4', {}, `Message ${m.seq}`), messageBlock(m, undefined));
  delete root.dataset.invocation;
  root.dataset.seq = String(m.seq);
}
