import { bytesToJson } from '../codec/streaming-message.js';
import type { FieldDifference, ReplayOutcome } from '../report/replay-report.js';
import type { CompareOptions, LogGroupComparison } from './compare-answers.js';

/** The RpcLogs of one invocation (or of none: key `rpcLog:`), recorded and live. */
export interface LogGroup {
  key: string;
  /** Seq of the host message the logs answer (undefined: sent unprompted). */
  trigger: number | undefined;
  recorded: Uint8Array[];
  live: Uint8Array[];
  /** Seq of the first recorded log, to order outcomes as in the recording. */
  firstSeq: number;
  invocationId?: string;
  deadlineMs?: number;
}

function message(bytes: Uint8Array, options: CompareOptions): string {
  const { json } = bytesToJson(options.secrets.message(bytes));
  const log = json && typeof json === 'object' && !Array.isArray(json) ? json.rpcLog : undefined;
  return log && typeof log === 'object' && !Array.isArray(log) && typeof log.message === 'string'
    ? log.message
    : '';
}

/**
 * One outcome per log group: matched when the multisets are equal, missing when none of
 * the recorded logs arrived, extra when logs arrived that the recording had none of for
 * this invocation, differed otherwise. Paths are `logs[i].…` with i the recorded index
 * (`logs[+j]` for the j-th extra live log).
 */
export function logGroupOutcome(g: LogGroup, c: LogGroupComparison, options: CompareOptions): ReplayOutcome {
  const base = { kind: 'rpcLog', key: g.key } as const;
  const o: ReplayOutcome = { ...base, status: 'matched', differences: [] };
  if (g.invocationId) o.invocationId = g.invocationId;
  if (g.recorded.length > 0) o.recordedSeq = g.firstSeq;
  const differences: FieldDifference[] = [];
  for (const d of c.differed)
    for (const x of d.differences) differences.push({ ...x, path: `logs[${d.recordedIndex}].${x.path}` });
  for (const i of c.missing)
    differences.push({ path: `logs[${i}]`, recorded: message(g.recorded[i]!, options) });
  for (const j of c.extra) {
    const live = options.toRecordedSpace(bytesToJson(options.secrets.message(g.live[j]!)).json ?? null);
    const text =
      live &&
      typeof live === 'object' &&
      !Array.isArray(live) &&
      live.rpcLog &&
      typeof live.rpcLog === 'object' &&
      !Array.isArray(live.rpcLog)
        ? live.rpcLog.message
        : undefined;
    differences.push({
      path: `logs[+${j}]`,
      live: typeof text === 'string' ? text : message(g.live[j]!, options),
    });
  }
  o.differences = differences;
  if (g.recorded.length === 0) {
    o.status = 'extra';
    o.note = `${g.live.length} log(s) the recording has none of`;
  } else if (g.live.length === 0) {
    o.status = 'missing';
    o.note = `none of ${g.recorded.length} recorded log(s) arrived`;
  } else if (differences.length > 0) {
    o.status = 'differed';
    o.note = `${c.matched} of ${g.recorded.length} recorded log(s) matched, ${g.live.length} arrived`;
  } else o.note = `${g.recorded.length} log(s)`;
  return o;
}
