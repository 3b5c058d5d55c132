import { functionNames } from '../replay/rewrite-host-message.js';
import { messageFrames, type ReplayFrame } from '../replay/replay-frame.js';

/** One recorded invocation the load cycles through. */
export interface BenchTemplate {
  /** Index into `BenchSource.functions`. */
  fn: number;
  /** The recorded InvocationRequest bytes. */
  request: Uint8Array;
  recordedInvocationId: string;
  recordedFunctionId: string;
  /** The recorded InvocationResponse, when the recording has it (for --verify). */
  answer?: Uint8Array;
  /** The recorded RpcLogs of this invocation, in recorded order. */
  logs: Uint8Array[];
}

export interface BenchSource {
  functions: Array<{ name: string; recordedFunctionId: string }>;
  /** In recorded order. Never empty. */
  templates: BenchTemplate[];
  /**
   * Recorded invocations (of the functions asked for) left out of the load because the
   * host cancelled them before their answer: their recorded length was the host's choice,
   * and a worker is never told to stop a clone, so each would hold an in-flight slot.
   */
  cancelledLeftOut: number;
}

/**
 * Pick the load of a bench run out of a recorded session (frames in seq order): every
 * recorded InvocationRequest (or those of the functions named in `only`), with its
 * recorded answer and logs, except the invocations the host cancelled (an InvocationCancel
 * recorded before their InvocationResponse, or with none), counted in `cancelledLeftOut`. Functions are named from the recorded load requests or
 * metadata response; one never named is called by its id. Throws a user-facing message
 * when nothing is left to send or a name is unknown.
 */
export function collectBenchSource(
  frames: readonly ReplayFrame[],
  only: readonly string[] = [],
): BenchSource {
  const names = new Map<string, string>();
  const requests: ReplayFrame[] = [];
  const answers = new Map<string, Uint8Array>();
  const logs = new Map<string, Uint8Array[]>();
  const cancelled = new Set<string>();
  for (const f of messageFrames(frames)) {
    if (
      f.kind === 'functionLoadRequest' ||
      f.kind === 'functionLoadRequestCollection' ||
      f.kind === 'functionMetadataResponse'
    ) {
      for (const n of functionNames(f.bytes))
        if (n.name && !names.has(n.functionId)) names.set(n.functionId, n.name);
    } else if (f.kind === 'invocationRequest' && f.direction === 'toWorker' && f.invocationId) {
      requests.push(f);
    } else if (f.kind === 'invocationResponse' && f.direction === 'toHost' && f.invocationId) {
      if (!answers.has(f.invocationId)) answers.set(f.invocationId, f.bytes);
    } else if (f.kind === 'invocationCancel' && f.direction === 'toWorker' && f.invocationId) {
      if (!answers.has(f.invocationId)) cancelled.add(f.invocationId);
    } else if (f.kind === 'rpcLog' && f.direction === 'toHost' && f.invocationId) {
      const list = logs.get(f.invocationId) ?? [];
      list.push(f.bytes);
      logs.set(f.invocationId, list);
    }
  }
  if (requests.length === 0) throw new Error('the session has no recorded InvocationRequest to send');
  const nameOf = (id: string) => names.get(id) ?? id;
  const wanted = new Set(only);
  if (wanted.size > 0) {
    const known = new Set(requests.map((r) => nameOf(r.functionId ?? '')));
    const unknown = [...wanted].filter((n) => !known.has(n));
    if (unknown.length > 0)
      throw new Error(
        `no recorded invocations of ${unknown.map((n) => `"${n}"`).join(', ')} (the session has: ${[...known].sort().join(', ')})`,
      );
  }
  const functions: BenchSource['functions'] = [];
  const fnIndex = new Map<string, number>();
  const templates: BenchTemplate[] = [];
  let cancelledLeftOut = 0;
  for (const r of requests) {
    const fid = r.functionId ?? '';
    const name = nameOf(fid);
    if (wanted.size > 0 && !wanted.has(name)) continue;
    if (cancelled.has(r.invocationId!)) {
      cancelledLeftOut += 1;
      continue;
    }
    let fn = fnIndex.get(fid);
    if (fn === undefined) {
      fn = functions.length;
      functions.push({ name, recordedFunctionId: fid });
      fnIndex.set(fid, fn);
    }
    const t: BenchTemplate = {
      fn,
      request: r.bytes,
      recordedInvocationId: r.invocationId!,
      recordedFunctionId: fid,
      logs: logs.get(r.invocationId!) ?? [],
    };
    const a = answers.get(r.invocationId!);
    if (a) t.answer = a;
    templates.push(t);
  }
  if (templates.length === 0)
    throw new Error(
      `every recorded invocation${wanted.size > 0 ? ' of those functions' : ''} was cancelled by the host: nothing to send`,
    );
  return { functions, templates, cancelledLeftOut };
}
