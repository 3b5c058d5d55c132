/**
 * The reference worker's deliberate bugs, switched on with `functape worker --bug NAME`
 * or `--bug NAME=ARG` (repeatable): one row each, read by the handlers that implement them.
 * Some give tools that hunt bugs (minimize, faults) something real to find; the `conform-*`
 * variants each break exactly one rule, which is how a test shows a conformance check can
 * fail. Off by default; a worker without `--bug` follows the protocol.
 */

export interface WorkerBugInfo {
  name: string;
  /** One line for `--help` and the README. */
  doc: string;
  /** What `=ARG` is, when the bug takes one (required then). */
  arg?: string;
}

/** Bugs for the bug hunters (minimize, faults). */
const HUNT_BUGS: readonly WorkerBugInfo[] = [
  {
    name: 'state',
    doc: 'after a `fail` invocation, every later `hello` greets with "Goodbye" (state leaking between invocations)',
  },
  {
    name: 'concurrency',
    arg: 'N',
    doc: 'more than N invocations in flight at once (sleeping ones plus the new one) crash the worker (exit 70)',
  },
  {
    name: 'cancel-race',
    doc: 'an InvocationCancel for an invocation already answered makes the worker exit with code 71',
  },
  {
    name: 'noise',
    doc: 'every HTTP answer carries a fresh GUID (x-request-id header) and the current time (date header)',
  },
];

/** Exit code of the `cancel-race` bug. */
export const CANCEL_RACE_EXIT_CODE = 71;

/** Variants that each break one `functape conform` scenario (conform-bugs.ts handles them, but the last two: cli/worker.ts). */
const CONFORM_BUGS: readonly WorkerBugInfo[] = [
  { name: 'conform-wrong-worker-id', doc: 'StartStream names another worker id' },
  { name: 'conform-start-request-id', doc: 'StartStream carries no request id' },
  { name: 'conform-init-fail', doc: 'WorkerInitResponse says Failure' },
  { name: 'conform-no-worker-metadata', doc: 'WorkerInitResponse has no worker_metadata' },
  { name: 'conform-metadata-fail', doc: 'FunctionMetadataResponse says Failure' },
  { name: 'conform-metadata-once', doc: 'a second FunctionsMetadataRequest is answered with no functions' },
  { name: 'conform-load-fail', doc: 'every FunctionLoadResponse says Failure' },
  { name: 'conform-collection-partial', doc: 'a FunctionLoadResponseCollection answers only the first load' },
  { name: 'conform-crash-on-unknown-load', doc: 'a load of an unknown function kills the process' },
  { name: 'conform-duplicate-load-fail', doc: 'a second load of the same function id fails' },
  { name: 'conform-answer-twice', doc: 'every invocation is answered twice' },
  { name: 'conform-no-return-value', doc: 'InvocationResponses carry no return_value' },
  { name: 'conform-log-after-response', doc: "an invocation's RpcLogs follow its InvocationResponse" },
  { name: 'conform-reject-raw-body', doc: 'an invocation whose HTTP body comes in raw_body fails' },
  { name: 'conform-reject-collection', doc: 'an invocation with a collection input fails' },
  { name: 'conform-cancel-ignored', doc: 'InvocationCancel is ignored (the function runs to its end)' },
  {
    name: 'conform-answer-cancel',
    doc: 'a cancel of an answered or unknown invocation is answered Cancelled',
  },
  { name: 'conform-reload-fail', doc: 'FunctionEnvironmentReloadResponse says Failure' },
  { name: 'conform-late-reload-fail', doc: 'a reload after a metadata request fails' },
  { name: 'conform-status-no-echo', doc: "WorkerStatusResponse does not echo the request's request_id" },
  { name: 'conform-warmup-fail', doc: 'WorkerWarmupResponse says Failure' },
  {
    name: 'conform-drop-before-init',
    doc: 'init is answered after 100 ms and what arrives meanwhile is dropped',
  },
  { name: 'conform-lazy-load', doc: 'loads complete 100 ms late (an invocation before that fails)' },
  {
    name: 'conform-terminate-drops',
    doc: 'WorkerTerminate drops the invocations in flight and cuts the stream',
  },
  { name: 'conform-die-on-unknown', doc: 'a StreamingMessage member it does not know kills the process' },
  { name: 'conform-strict-fields', doc: 'a message with unknown fields kills the process' },
  {
    name: 'conform-small-max-message',
    doc: "keeps gRPC's 4 MiB receive limit (ignores the max message length)",
  },
  { name: 'conform-hang-on-drop', doc: 'the process stays up after the host drops the stream' },
];

/** The catalogue: one row per bug. */
export const WORKER_BUGS: readonly WorkerBugInfo[] = [...HUNT_BUGS, ...CONFORM_BUGS];

/** The bugs a worker runs with, as its handlers read them. */
export interface WorkerBugs {
  state?: boolean;
  concurrency?: number;
  cancelRace?: boolean;
  noise?: boolean;
}

/**
 * The bugs the handlers read, from `--bug` values (`NAME` or `NAME=ARG`): parseBugs checks
 * them (one-line errors), then the hunters' bugs get their typed fields.
 */
export function parseWorkerBugs(specs: readonly string[]): WorkerBugs {
  const named = parseBugs(specs);
  const bugs: WorkerBugs = {};
  if (named.has('state')) bugs.state = true;
  if (named.has('cancel-race')) bugs.cancelRace = true;
  if (named.has('noise')) bugs.noise = true;
  if (named.has('concurrency')) {
    const arg = named.get('concurrency');
    const n = Number(arg);
    if (!Number.isInteger(n) || n < 1) throw new Error(`bug "concurrency=${arg}": N must be an integer >= 1`);
    bugs.concurrency = n;
  }
  return bugs;
}

/** `--bug` help text: the bug hunters' bugs, then how many conformance variants there are. */
export function workerBugsHelp(): string {
  const hunt = HUNT_BUGS.map((b) => `${b.name}${b.arg ? `=${b.arg}` : ''}: ${b.doc}`).join('; ');
  return `${hunt}; and ${CONFORM_BUGS.length} conform-* variants, each breaking one conformance rule (src/peers/worker-bugs.ts)`;
}

/**
 * `--bug` values as name → argument, checked against the catalogue: an unknown name, an
 * argument where none is taken, or none where one is needed, throws one line.
 */
export function parseBugs(values: readonly string[]): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  for (const v of values) {
    const eq = v.indexOf('=');
    const name = eq < 0 ? v : v.slice(0, eq);
    const arg = eq < 0 ? undefined : v.slice(eq + 1);
    const info = WORKER_BUGS.find((b) => b.name === name);
    if (!info) throw new Error(`unknown bug "${name}" (${knownBugs()})`);
    if (info.arg === undefined && arg !== undefined) throw new Error(`bug "${name}" takes no argument`);
    if (info.arg !== undefined && arg === undefined) throw new Error(`bug "${name}" needs =${info.arg}`);
    out.set(name, arg);
  }
  return out;
}

/** The names an error message offers: the bug hunters' bugs by name, the conformance variants as one entry. */
function knownBugs(): string {
  return `known: ${HUNT_BUGS.map((b) => b.name).join(', ')}, and ${CONFORM_BUGS.length} conform-* variants: functape worker --list-bugs`;
}
