/**
 * The reference worker's deliberate bugs, switched on with `functape worker --bug NAME`
 * or `--bug NAME=ARG` (repeatable), so tools that hunt bugs (minimize, faults) have
 * something real to find. Off by default; a worker without `--bug` follows the protocol.
 */

export interface WorkerBugInfo {
  name: string;
  /** One line for `--help` and the README. */
  doc: string;
  /** What `=ARG` is, when the bug takes one (required then). */
  arg?: string;
}

/** The catalogue: one row per bug. */
export const WORKER_BUGS: readonly WorkerBugInfo[] = [
  {
    name: 'state',
    doc: 'after a `fail` invocation, every later `hello` greets with "Goodbye" (state leaking between invocations)',
  },
  {
    name: 'concurrency',
    arg: 'N',
    doc: 'more than N invocations in flight at once (sleeping ones plus the new one) crash the worker (exit 70)',
  },
];

/** The bugs a worker runs with, as its handlers read them. */
export interface WorkerBugs {
  state?: boolean;
  concurrency?: number;
}

/** Read `--bug` values (`NAME` or `NAME=ARG`); throws one line on an unknown name or a bad argument. */
export function parseWorkerBugs(specs: readonly string[]): WorkerBugs {
  const bugs: WorkerBugs = {};
  for (const spec of specs) {
    const [name, arg] = spec.split('=', 2) as [string, string | undefined];
    const info = WORKER_BUGS.find((b) => b.name === name);
    if (!info) throw new Error(`unknown bug "${name}" (known: ${WORKER_BUGS.map((b) => b.name).join(', ')})`);
    if (info.arg === undefined && arg !== undefined) throw new Error(`bug "${name}" takes no argument`);
    if (info.arg !== undefined && arg === undefined) throw new Error(`bug "${name}" needs =${info.arg}`);
    if (name === 'state') bugs.state = true;
    if (name === 'concurrency') {
      const n = Number(arg);
      if (!Number.isInteger(n) || n < 1)
        throw new Error(`bug "concurrency=${arg}": N must be an integer >= 1`);
      bugs.concurrency = n;
    }
  }
  return bugs;
}

/** `--bug` help text: the catalogue, one bug a line. */
export function workerBugsHelp(): string {
  return WORKER_BUGS.map((b) => `${b.name}${b.arg ? `=${b.arg}` : ''}: ${b.doc}`).join('; ');
}
