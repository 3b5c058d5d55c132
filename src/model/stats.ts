/** How `stats` groups invocations. */
export type StatsGroup = 'function' | 'host' | 'label' | 'day';

/**
 * One group of a `stats` report, computed in the database. An invocation is the set of
 * messages that carry one invocation id in one session; it counts when its
 * InvocationRequest was recorded. Service time: the InvocationResponse's time minus the
 * request's (both on the proxy's clock), in ms; percentiles are nearest-rank over the
 * invocations that have a response, at 3 significant digits: the top of the nearest-rank
 * value's bucket (recording/service-time-buckets.ts), at most the maximum, which is exact. Bytes: the
 * wire sizes of the invocations' messages.
 */
export interface StatsRow {
  group: string;
  sessions: number;
  invocations: number;
  /** InvocationResponse with status Failure. */
  failures: number;
  /** An InvocationCancel was sent, or the response says Cancelled. */
  cancellations: number;
  /** Invocations with a response (the ones the service times are over). */
  answered: number;
  p50Ms: number | null;
  p90Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  rpcLogsPerInvocation: number;
  bytesToHost: number;
  bytesToWorker: number;
}

export interface StatsReport {
  /** The file, or the fleet database's URL without its password. */
  source: string;
  by: StatsGroup;
  /** Sessions that started at or after this time (ms since the epoch), when limited. */
  sinceMs?: number;
  untilMs?: number;
  rows: StatsRow[];
}
