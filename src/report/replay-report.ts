import type { JsonValue } from '@bufbuild/protobuf';
import type { StreamStatus } from '../model/session.js';
import type { FaultReport } from './fault-report.js';
import type { NoiseReport } from './noise-report.js';

/** One differing field of a compared message. A side without the field has no value. */
export interface FieldDifference {
  /** proto3 JSON path, e.g. `invocationResponse.outputData[0].data.string`. */
  path: string;
  recorded?: JsonValue;
  live?: JsonValue;
}

/**
 * How one expected exchange went (`skipped`: still pending when the replay was interrupted,
 * neither a match nor a failure). In `host` replays an outcome is one recorded worker
 * answer (or one invocation's RpcLogs, compared as a multiset); in `worker` replays it is
 * one live host message and the recorded one it was answered from.
 */
export type OutcomeStatus = 'matched' | 'differed' | 'missing' | 'extra' | 'skipped';

export interface ReplayOutcome {
  /** StreamingMessage kind, e.g. `invocationResponse`; `rpcLog` for a log group. */
  kind: string;
  /** Correlation key in the recording's id space, e.g. `invocationResponse:<invocation id>`. */
  key: string;
  status: OutcomeStatus;
  /** Seq of the recorded message (absent for extras). */
  recordedSeq?: number;
  /** Recorded invocation id / function id / function name, when the message has them. */
  invocationId?: string;
  functionId?: string;
  functionName?: string;
  differences: FieldDifference[];
  /** A human note: why missing, what an extra was, how many logs matched. */
  note?: string;
  /** The live message's proto3 JSON, for extras (what arrived that nobody expected). */
  live?: JsonValue;
  /** Host replays: ms from the message it answers to the answer, in the recording and live. */
  serviceMs?: { recorded: number; live: number };
}

export interface ReplayCounts {
  matched: number;
  differed: number;
  missing: number;
  extra: number;
  skipped: number;
}

/** How the stream ended. `broken`: the peer failed, reset or ended it before the replay was done. */
export interface ReplayStreamEnd {
  broken: boolean;
  status?: StreamStatus;
  detail?: string;
}

/**
 * The result of one replay, plain data: printers render it as text, JSON and JUnit.
 * Invariant: `counts` equals the tally of `outcomes` by status.
 */
export interface ReplayReport {
  /** The side functape played: `host` (toward a live worker) or `worker` (toward a live host). */
  played: 'host' | 'worker';
  session: { id?: number; label?: string };
  pace: string;
  /** Host replays: the most invocations kept in flight (absent: no limit). */
  maxInFlight?: number;
  startedAtMs: number;
  durationMs: number;
  /** Messages functape sent to the live peer. */
  sent: number;
  /** Worker replays: recorded host messages the live host never sent (informational). */
  notReceived?: number;
  outcomes: ReplayOutcome[];
  counts: ReplayCounts;
  stream: ReplayStreamEnd;
  /** Stopped by SIGINT/SIGTERM before the end: what was still pending is `skipped`; exit 130. */
  interrupted?: boolean;
  /** Host replays with `--fault`: the seed, the specs and every fault injected. */
  faults?: FaultReport;
  /** Host replays with `--learn-noise`, `--ignore` or `--ignore-file`: the ignores and where each came from. */
  noise?: NoiseReport;
}

export function tallyOutcomes(outcomes: readonly ReplayOutcome[]): ReplayCounts {
  const counts: ReplayCounts = { matched: 0, differed: 0, missing: 0, extra: 0, skipped: 0 };
  for (const o of outcomes) counts[o.status]++;
  return counts;
}

/**
 * 130 interrupted (no verdict: as a shell reports SIGINT); 3 the peer broke the stream;
 * 1 differences (differed, missing or extra); 0 every answer matched. With faults, the
 * point is to find what breaks the peer: a broken stream, or a failure the faults
 * revealed (a worker that does not exit after a break), is a finding: 1.
 */
export function replayExitCode(report: ReplayReport): 0 | 1 | 3 | 130 {
  if (report.interrupted) return 130;
  if (report.faults?.failure) return 1;
  if (report.stream.broken) return report.faults ? 1 : 3;
  const c = report.counts;
  return c.differed + c.missing + c.extra > 0 ? 1 : 0;
}

/** `N answers matched, M differed, K missing` (plus extras when there are any). */
export function replaySummaryLine(report: ReplayReport): string {
  const c = report.counts;
  const noun = report.played === 'host' ? 'answers' : 'host messages';
  let line = `${c.matched} ${noun} matched, ${c.differed} differed, ${c.missing} missing`;
  if (c.extra > 0) line += `, ${c.extra} unexpected`;
  if (report.interrupted) line = `interrupted: ${line}, ${c.skipped} not reached`;
  return line;
}

/** Median and p90 of answer service times, recorded vs live (host replays; undefined when none were timed). */
export function serviceTimeSummary(
  report: ReplayReport,
  kind = 'invocationResponse',
): { count: number; recorded: { p50: number; p90: number }; live: { p50: number; p90: number } } | undefined {
  const timed = report.outcomes.filter((o) => o.kind === kind && o.serviceMs).map((o) => o.serviceMs!);
  if (timed.length === 0) return undefined;
  const q = (xs: number[], p: number) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  };
  const rec = timed.map((t) => t.recorded);
  const live = timed.map((t) => t.live);
  return {
    count: timed.length,
    recorded: { p50: q(rec, 0.5), p90: q(rec, 0.9) },
    live: { p50: q(live, 0.5), p90: q(live, 0.9) },
  };
}
