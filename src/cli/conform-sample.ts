import type { ConformContext } from '../replay/conform/index.js';
import { CliError } from './command.js';

type Sample = Pick<ConformContext, 'sampleLoad' | 'sampleInvocation'>;

/**
 * `--from REC.db` with `--function NAME`: the recorded FunctionLoadRequest of NAME (its
 * metadata, for a worker that indexes nothing) and one recorded InvocationRequest of it (its
 * input and trigger metadata), from the newest session that invoked anything. Neither found
 * is a one-line CliError.
 */
export async function readSample(db: string, fn: string): Promise<Sample> {
  const [{ readSessionFrames }, { decodeMessage, messageToJson }] = await Promise.all([
    import('./session-frames.js'),
    import('../codec/streaming-message.js'),
  ]);
  const { frames } = await readSessionFrames(db, undefined, 'last-with-invocations');
  let sampleLoad: Sample['sampleLoad'];
  let functionId: string | undefined;
  for (const f of frames) {
    if (f.kind !== 'functionLoadRequest' && f.kind !== 'functionLoadRequestCollection') continue;
    const c = decodeMessage(f.bytes).content;
    const loads =
      c.case === 'functionLoadRequest'
        ? [c.value]
        : c.case === 'functionLoadRequestCollection'
          ? c.value.functionLoadRequests
          : [];
    const hit = loads.find((l) => l.metadata?.name === fn);
    if (!hit) continue;
    functionId = hit.functionId;
    const json = messageToJson(decodeMessage(f.bytes)) as Record<string, Record<string, unknown>>;
    const member = json.functionLoadRequest ?? {};
    const list = (json.functionLoadRequestCollection?.functionLoadRequests ?? [member]) as Record<
      string,
      unknown
    >[];
    const one = list.find((l) => (l.metadata as { name?: string } | undefined)?.name === fn) ?? member;
    sampleLoad = { functionId: hit.functionId, metadata: (one.metadata ?? {}) as Record<string, unknown> };
    break;
  }
  if (!sampleLoad) throw new CliError(`--from ${db}: no FunctionLoadRequest of ${fn} in the recording`);
  const invocation = frames.find((f) => f.kind === 'invocationRequest' && f.functionId === functionId);
  if (!invocation) throw new CliError(`--from ${db}: no InvocationRequest of ${fn} in the recording`);
  const json = messageToJson(decodeMessage(invocation.bytes)) as Record<string, Record<string, unknown>>;
  return { sampleLoad, sampleInvocation: json.invocationRequest ?? {} };
}
