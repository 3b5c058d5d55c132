/**
 * The reference worker's deliberate bugs and rule-breaking variants, switched on with
 * `functape worker --bug NAME` (or `--bug NAME=ARG`; repeatable), so that replay, faults and
 * minimize can be shown to find them. The catalogue is data: one row per bug (name, one-line
 * doc, what its argument is); the worker's handlers ask `bugs.has(NAME)`.
 */
export interface WorkerBugEntry {
  name: string;
  doc: string;
  /** What `NAME=ARG` takes (absent: the bug takes no argument). */
  arg?: string;
}

export const WORKER_BUGS: readonly WorkerBugEntry[] = [
  {
    name: 'cancel-race',
    doc: 'an InvocationCancel for an invocation already answered makes the worker exit with code 71',
  },
  {
    name: 'noise',
    doc: 'every HTTP answer carries a fresh GUID (x-request-id header) and the current time (date header)',
  },
];

/** The bugs switched on: name → argument (undefined when it takes none). */
export type WorkerBugs = ReadonlyMap<string, string | undefined>;

/** Exit code of the `cancel-race` bug. */
export const CANCEL_RACE_EXIT_CODE = 71;

/** `--bug` values to the map; throws one line naming the known bugs on an unknown name or a bad argument. */
export function parseWorkerBugs(values: readonly string[]): WorkerBugs {
  const bugs = new Map<string, string | undefined>();
  for (const v of values) {
    const [name, arg] = v.includes('=')
      ? [v.slice(0, v.indexOf('=')), v.slice(v.indexOf('=') + 1)]
      : [v, undefined];
    const entry = WORKER_BUGS.find((b) => b.name === name);
    if (!entry)
      throw new Error(`unknown bug "${name}" (known: ${WORKER_BUGS.map((b) => b.name).join(', ')})`);
    if ((arg === undefined) !== (entry.arg === undefined))
      throw new Error(entry.arg ? `bug ${name} takes =${entry.arg}` : `bug ${name} takes no argument`);
    bugs.set(name, arg);
  }
  return bugs;
}
