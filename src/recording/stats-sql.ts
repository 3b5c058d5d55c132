import type { StatsGroup, StatsRow } from '../model/stats.js';

/**
 * The `stats` query, one text for both databases: only the names and a few expressions
 * differ (SqlDialect). Everything is computed in the database from the frames' index
 * columns (kind, invocation id, direction, size, t_ns) and the response status; nothing
 * but one row per group comes back.
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
  /**
   * A query of one row per invocation of the sessions in CTE `s` with the columns of the
   * frames' aggregate below (skey, invocation_id, function_id, req_ns, res_ns, status,
   * cancels, logs, to_host, to_worker), when the database keeps them; else they are
   * computed from the frames.
   */
  invocations?: string;
  /**
   * The engine has percentile_disc (PostgreSQL): the percentiles are ordered-set aggregates
   * of the groups, which give the nearest rank too, without ranking every invocation first.
   */
  percentileDisc?: boolean;
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
  const group = {
    function: `coalesce(i.function_id, '')`,
    host: d.host,
    label: `coalesce(s.label, '')`,
    day: d.day,
  }[by];
  const sql = `
WITH s AS (SELECT * FROM ${d.sessions} s WHERE ${where.join(' AND ')}),
inv AS (${d.invocations ?? framesAggregate(d)}),
g AS (
  SELECT ${group} AS grp, i.*, CAST(i.res_ns - i.req_ns AS DOUBLE PRECISION) / 1000000 AS svc
  FROM inv i JOIN s ON i.skey = s.${d.sessionKey}
  WHERE i.req_ns IS NOT NULL
),
${d.percentileDisc ? orderedSet() : ranked()}`;
  return { sql, params };
}

/** The invocation counts of each group (CTE `g`: one row per invocation, its group `grp`). */
const AGG = `agg AS (
  SELECT grp, count(DISTINCT skey) AS sessions, count(*) AS invocations,
    sum(CASE WHEN status = 0 THEN 1 ELSE 0 END) AS failures,
    sum(CASE WHEN cancels > 0 OR status = 2 THEN 1 ELSE 0 END) AS cancellations,
    count(svc) AS answered, CAST(sum(logs) AS DOUBLE PRECISION) / count(*) AS logs_per,
    sum(to_host) AS to_host, sum(to_worker) AS to_worker
  FROM g GROUP BY grp
)`;

/** Nearest-rank percentiles by ranking each group's service times (SQLite). */
function ranked(): string {
  const pct = (p: number) => `min(svc) FILTER (WHERE rn * 100 >= ${p} * n)`;
  return `r AS (
  SELECT grp, svc, row_number() OVER (PARTITION BY grp ORDER BY svc) AS rn, count(*) OVER (PARTITION BY grp) AS n
  FROM g WHERE svc IS NOT NULL
),
pct AS (SELECT grp, ${pct(50)} AS p50, ${pct(90)} AS p90, ${pct(99)} AS p99, max(svc) AS mx FROM r GROUP BY grp),
${AGG}
SELECT agg.*, pct.p50, pct.p90, pct.p99, pct.mx FROM agg LEFT JOIN pct ON pct.grp = agg.grp ORDER BY agg.grp`;
}

/** The same percentiles as ordered-set aggregates (PostgreSQL's percentile_disc is the nearest rank). */
function orderedSet(): string {
  const pct = (p: number) => `percentile_disc(${p / 100}) WITHIN GROUP (ORDER BY svc)`;
  return `pct AS (SELECT grp, ${pct(50)} AS p50, ${pct(90)} AS p90, ${pct(99)} AS p99, max(svc) AS mx
  FROM g WHERE svc IS NOT NULL GROUP BY grp),
${AGG}
SELECT agg.*, pct.p50, pct.p90, pct.p99, pct.mx FROM agg LEFT JOIN pct ON pct.grp = agg.grp ORDER BY agg.grp`;
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
  const ms = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    group: String(r.grp),
    sessions: num(r.sessions),
    invocations: num(r.invocations),
    failures: num(r.failures),
    cancellations: num(r.cancellations),
    answered: num(r.answered),
    p50Ms: ms(r.p50),
    p90Ms: ms(r.p90),
    p99Ms: ms(r.p99),
    maxMs: ms(r.mx),
    rpcLogsPerInvocation: num(r.logs_per),
    bytesToHost: num(r.to_host),
    bytesToWorker: num(r.to_worker),
  };
}
