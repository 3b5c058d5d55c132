import type pg from 'pg';
import type { StatsGroup, StatsRow } from '../../model/stats.js';
import { type SqlDialect, statsQuery, toStatsRow } from '../stats-sql.js';
import { fleetVersion } from './pg-schema.js';
import { pgServiceTimeBucket } from './rollups.js';

/** Schema v1 (no rollups yet): every session from its invocations. */
const v1: SqlDialect = {
  sessions: 'functape_sessions',
  frames: 'functape_frames',
  sessionKey: 'uuid',
  frameKey: 'session_uuid',
  status: 'f.status',
  host: 's.host',
  day: `to_char(s.start_time AT TIME ZONE 'UTC', 'YYYY-MM-DD')`,
  // the partition key too: PostgreSQL then reads only the partitions of the sessions' days
  frameFilter: ' AND f.start_time = s.start_time',
  bucket: pgServiceTimeBucket,
  invocations: `SELECT i.session_uuid AS skey, i.invocation_id, i.function_id, i.req_ns, i.res_ns, i.status,
    i.cancels, i.logs, i.to_host, i.to_worker
    FROM functape_invocations i JOIN s ON i.session_uuid = s.uuid AND i.start_time = s.start_time`,
  param: (n) => `$${n}::double precision`,
};

/** From schema v2 on: ended sessions from their rollups, live ones (no end yet) from their invocations. */
const v2: SqlDialect = {
  ...v1,
  invocations: `${v1.invocations} WHERE s.end_reason IS NULL`,
  rollups: {
    counts: `SELECT r.session_uuid, r.function_id, r.invocations, r.failures, r.cancellations, r.answered, r.logs,
      r.to_host, r.to_worker, r.max_ns FROM functape_rollups r JOIN s ON r.session_uuid = s.uuid`,
    buckets: `SELECT r.session_uuid, r.function_id, u.bucket, u.n
      FROM functape_rollups r JOIN s ON r.session_uuid = s.uuid, unnest(r.buckets, r.counts) AS u(bucket, n)`,
  },
};

/** Work memory for the stats query alone (SET LOCAL: this transaction only). */
const STATS_WORK_MEM = '256MB';

/** `stats` over the fleet database, in PostgreSQL (the status was read out at push time). */
export async function fleetStats(
  client: pg.Client,
  by: StatsGroup,
  sinceMs?: number,
  untilMs?: number,
): Promise<StatsRow[]> {
  const q = statsQuery((await fleetVersion(client)) >= 2 ? v2 : v1, by, sinceMs, untilMs);
  // Live sessions' invocations are grouped: with the default 4 MB of work memory that
  // spills to disk from about a hundred thousand invocations.
  await client.query('BEGIN');
  try {
    await client.query(`SET LOCAL work_mem = '${STATS_WORK_MEM}'`);
    const res = await client.query(q.sql, q.params);
    return (res.rows as Record<string, unknown>[]).map(toStatsRow);
  } finally {
    await client.query('COMMIT').catch(() => {});
  }
}
