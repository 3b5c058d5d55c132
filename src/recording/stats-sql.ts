import { percentileMs } from './service-time-buckets.js';
import type { StatsGroup, StatsRow } from '../model/stats.js';

/**
 * The `stats` query, one text for both databases: only the names and a few expressions
 * differ (SqlDialect). Everything is computed in the database from the frames' index
 * columns (kind, invocation id, direction, size, t_ns) and the response status; nothing
 * but one row per group comes back.
 *
 * The work is done per (session, function): counts, sums, the largest service time and a
 * histogram of service times (recording/service-time-buckets.ts). Groups add those up; the
 * percentiles are the nearest rank over the added histograms, so they are the top of the
 * exact nearest-rank value's bucket (3 significant digits), never above the exact maximum.
 * A database that keeps these per-session rows (the fleet's rollups of ended sessions)
 * reads them instead of the invocations.
 */
export interface SqlDialect {
  sessions: string;
  frames: string;
  /** The sessions' key column and the frames' column that refers to it. */
  sessionKey: string;
  frameKey: string;
  /** The InvocationResponse status of frame `f` (0 Failure, 1 Success, 2 Cancelled). */
  status: string;
  /** The group key of session `s` for host and day. */
  host: string;
  day: string;
  /** Extra condition on frames `f` joined to sessions `s` (partition pruning). */
  frameFilter: string;
  /** The service-time bucket (serviceTimeBucket) of the bigint nanoseconds expression `ns`. */
  bucket(ns: string): string;
  /**
   * A query of one row per invocation of the sessions in CTE `s` that have no rollup, with
   * the columns of the frames' aggregate below (skey, invocation_id, function_id, req_ns,
   * res_ns, status, cancels, logs, to_host, to_worker), when the database keeps them; else
   * they are computed from the frames.
   */
  invocations?: string;
  /**
   * Kept per-(session, function) rows of the sessions in CTE `s`: `counts` with the columns
   * of SESSION_FUNCTION_SUMS, `buckets` (skey, fn, bucket, n) with the histograms' counts.
   */
  rollups?: { counts: string; buckets: string };
  /** Placeholder for parameter `n` (1-based). */
  param(n: number): string;
}

export interface StatsQuery {
  sql: string;
  params: number[];
}

export function statsQuery(d: SqlDialect, by: StatsGroup, since?: number, until?: number): StatsQuery {
  const params: number[] = [];
  const where = ['s.start_wall_ms IS NOT NULL'];
  if (since !== undefined) {
    params.push(since);
    where.push(`s.start_wall_ms >= ${d.param(params.length)}`);
  }
  if (until !== undefined) {
    params.push(until);
    where.push(`s.start_wall_ms < ${d.param(params.length)}`);
  }
  const group = { function: 'x.fn', host: d.host, label: `coalesce(s.label, '')`, day: d.day }[by];
  const join = `x JOIN s ON x.skey = s.${d.sessionKey}`;
  const sql = `
WITH s AS (SELECT * FROM ${d.sessions} s WHERE ${where.join(' AND ')}),
inv AS (${d.invocations ?? framesAggregate(d)}),
ib AS (${invocationBuckets(d, 'inv')}),
sf AS (SELECT ${SESSION_FUNCTION_SUMS} FROM ib GROUP BY skey, fn${d.rollups ? ` UNION ALL ${d.rollups.counts}` : ''}),
hb AS (SELECT skey, fn, bucket, n FROM ib WHERE bucket IS NOT NULL${d.rollups ? ` UNION ALL ${d.rollups.buckets}` : ''}),
agg AS (
  SELECT ${group} AS grp, count(DISTINCT x.skey) AS sessions, sum(x.invocations) AS invocations,
    sum(x.failures) AS failures, sum(x.cancellations) AS cancellations, sum(x.answered) AS answered,
    CAST(sum(x.logs) AS DOUBLE PRECISION) / sum(x.invocations) AS logs_per,
    sum(x.to_host) AS to_host, sum(x.to_worker) AS to_worker, max(x.max_ns) AS max_ns
  FROM sf ${join} GROUP BY 1
),
h AS (SELECT ${group} AS grp, x.bucket, sum(x.n) AS n FROM hb ${join} GROUP BY 1, 2),
c AS (
  SELECT grp, bucket, sum(n) OVER (PARTITION BY grp ORDER BY bucket) AS cum, sum(n) OVER (PARTITION BY grp) AS total
  FROM h
),
pct AS (SELECT grp, ${[50, 90, 99].map((p) => `min(bucket) FILTER (WHERE cum * 100 >= ${p} * total) AS p${p}`).join(', ')}
  FROM c GROUP BY grp)
SELECT agg.*, pct.p50, pct.p90, pct.p99 FROM agg LEFT JOIN pct ON pct.grp = agg.grp ORDER BY agg.grp`;
  return { sql, params };
}

/**
 * Per (session, function) from rows of `invocationBuckets` (`ib`): the columns every
 * per-session source gives (skey, fn, invocations, failures, cancellations, answered, logs,
 * to_host, to_worker, max_ns).
 */
export const SESSION_FUNCTION_SUMS = `skey, fn, sum(n) AS invocations, sum(failures) AS failures,
  sum(cancellations) AS cancellations, sum(CASE WHEN bucket IS NOT NULL THEN n ELSE 0 END) AS answered,
  sum(logs) AS logs, sum(to_host) AS to_host, sum(to_worker) AS to_worker, max(max_ns) AS max_ns`;

/**
 * The invocations of query or table `inv` that have a request, counted per session,
 * function ('' for none) and service-time bucket (NULL: no response).
 */
export function invocationBuckets(d: Pick<SqlDialect, 'bucket'>, inv: string): string {
  return `SELECT skey, coalesce(function_id, '') AS fn,
    CASE WHEN res_ns IS NOT NULL THEN ${d.bucket('res_ns - req_ns')} END AS bucket, count(*) AS n,
    sum(CASE WHEN status = 0 THEN 1 ELSE 0 END) AS failures,
    sum(CASE WHEN cancels > 0 OR status = 2 THEN 1 ELSE 0 END) AS cancellations,
    sum(logs) AS logs, sum(to_host) AS to_host, sum(to_worker) AS to_worker, max(res_ns - req_ns) AS max_ns
  FROM ${inv} WHERE req_ns IS NOT NULL GROUP BY 1, 2, 3`;
}

/** One row per invocation, from the frames of the sessions in CTE `s`. */
function framesAggregate(d: SqlDialect): string {
  return `
  SELECT f.${d.frameKey} AS skey, f.invocation_id,
    max(CASE WHEN f.kind = 'invocationRequest' THEN f.function_id END) AS function_id,
    min(CASE WHEN f.kind = 'invocationRequest' THEN f.t_ns END) AS req_ns,
    min(CASE WHEN f.kind = 'invocationResponse' THEN f.t_ns END) AS res_ns,
    max(CASE WHEN f.kind = 'invocationResponse' THEN ${d.status} END) AS status,
    sum(CASE WHEN f.kind = 'invocationCancel' THEN 1 ELSE 0 END) AS cancels,
    sum(CASE WHEN f.kind = 'rpcLog' THEN 1 ELSE 0 END) AS logs,
    sum(CASE WHEN f.direction = 'toHost' THEN f.size ELSE 0 END) AS to_host,
    sum(CASE WHEN f.direction = 'toWorker' THEN f.size ELSE 0 END) AS to_worker
  FROM ${d.frames} f JOIN s ON f.${d.frameKey} = s.${d.sessionKey}${d.frameFilter}
  WHERE f.invocation_id IS NOT NULL
  GROUP BY f.${d.frameKey}, f.invocation_id`;
}

/** A result row (numbers may come as strings or bigints from PostgreSQL) as a StatsRow. */
export function toStatsRow(r: Record<string, unknown>): StatsRow {
  const num = (v: unknown) => Number(v ?? 0);
  const maxNs = r.max_ns === null || r.max_ns === undefined ? null : Number(r.max_ns);
  const pct = (v: unknown) =>
    v === null || v === undefined || maxNs === null ? null : percentileMs(Number(v), maxNs);
  return {
    group: String(r.grp),
    sessions: num(r.sessions),
    invocations: num(r.invocations),
    failures: num(r.failures),
    cancellations: num(r.cancellations),
    answered: num(r.answered),
    p50Ms: pct(r.p50),
    p90Ms: pct(r.p90),
    p99Ms: pct(r.p99),
    maxMs: maxNs === null ? null : maxNs / 1e6,
    rpcLogsPerInvocation: num(r.logs_per),
    bytesToHost: num(r.to_host),
    bytesToWorker: num(r.to_worker),
  };
}
