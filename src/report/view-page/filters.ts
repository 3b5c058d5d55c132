import type { ViewFilter } from '../view-data.js';
import { el } from './api.js';

const KIND_GROUPS: [string, string][] = [
  ['', 'every kind'],
  ['invocationRequest,invocationResponse,invocationCancel,rpcLog', 'invocations and logs'],
  ['invocationRequest', 'invocationRequest'],
  ['invocationResponse', 'invocationResponse'],
  ['rpcLog', 'rpcLog'],
  ['invocationCancel', 'invocationCancel'],
  [
    'startStream,workerInitRequest,workerInitResponse,functionsMetadataRequest,functionMetadataResponse,functionLoadRequest,functionLoadResponse,functionEnvironmentReloadRequest,functionEnvironmentReloadResponse,workerStatusRequest,workerStatusResponse,workerTerminate',
    'control messages',
  ],
];

function select(name: string, options: [string, string][], value: string): HTMLSelectElement {
  const s = el('select', { name, 'aria-label': name });
  for (const [v, label] of options) s.append(el('option', { value: v }, label));
  s.value = options.some(([v]) => v === value) ? value : '';
  return s;
}

/**
 * The filter bar (kind, function, direction, status, text). `changed` gets the new filter
 * on every change (text: as typed, after a short pause).
 */
export function filterBar(
  root: HTMLElement,
  filter: ViewFilter,
  functions: { id: string; name: string }[],
  changed: (f: ViewFilter) => void,
): void {
  const kind = select('kind', KIND_GROUPS, filter.kinds?.join(',') ?? '');
  const fn = select(
    'function',
    [['', 'every function'], ...functions.map((f): [string, string] => [f.id, f.name])],
    filter.functions?.join(',') ?? '',
  );
  const dir = select(
    'direction',
    [
      ['', 'both directions'],
      ['toWorker', 'host → worker'],
      ['toHost', 'worker → host'],
    ],
    filter.direction ?? '',
  );
  const status = select(
    'status',
    [
      ['', 'any status'],
      ['success', 'succeeded'],
      ['failure', 'failed'],
      ['cancelled', 'cancelled'],
      ['open', 'no answer'],
    ],
    filter.status ?? '',
  );
  const text = el('input', {
    name: 'text',
    type: 'search',
    placeholder: 'text in ids and log lines',
    value: filter.text ?? '',
  });
  const read = (): ViewFilter => {
    const f: ViewFilter = {};
    if (kind.value) f.kinds = kind.value.split(',');
    if (fn.value) f.functions = [fn.value];
    if (dir.value === 'toHost' || dir.value === 'toWorker') f.direction = dir.value;
    if (status.value) f.status = status.value as NonNullable<ViewFilter['status']>;
    if (text.value.trim()) f.text = text.value.trim().toLowerCase();
    return f;
  };
  for (const s of [kind, fn, dir, status]) s.onchange = () => changed(read());
  let pause: ReturnType<typeof setTimeout> | undefined;
  text.oninput = () => {
    clearTimeout(pause);
    pause = setTimeout(() => changed(read()), 300);
  };
  root.replaceChildren(el('b', {}, 'Filter:'), kind, fn, dir, status, text);
}
