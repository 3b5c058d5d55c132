/**
 * The reference worker's deliberate bugs and rule-breaking variants (`functape worker --bug
 * NAME[=ARG]`, repeatable): one row each, read by the handlers that implement them. A
 * worker variant that breaks exactly one rule is how a test shows a check can fail.
 */
export interface WorkerBug {
  name: string;
  /** One line: what the worker then does wrong. */
  doc: string;
  /** What `=ARG` means, when the bug takes one. */
  argument?: string;
}

/** Variants that each break one `functape conform` scenario (conform-bugs.ts handles them, but the last two: cli/worker.ts). */
const CONFORM_BUGS: readonly WorkerBug[] = [
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

export const WORKER_BUGS: readonly WorkerBug[] = [...CONFORM_BUGS];

/** `--bug` values as name → argument; an unknown name, or an argument where none is taken, throws. */
export function parseBugs(values: readonly string[]): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  for (const v of values) {
    const eq = v.indexOf('=');
    const name = eq < 0 ? v : v.slice(0, eq);
    const bug = WORKER_BUGS.find((b) => b.name === name);
    if (!bug) throw new Error(`unknown bug ${name} (known: ${WORKER_BUGS.map((b) => b.name).join(', ')})`);
    if (eq >= 0 && !bug.argument) throw new Error(`--bug ${name} takes no argument`);
    out.set(name, eq < 0 ? undefined : v.slice(eq + 1));
  }
  return out;
}
