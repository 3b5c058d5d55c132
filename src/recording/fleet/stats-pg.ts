import type pg from 'pg';
import type { StatsGroup, StatsRow } from '../../model/stats.js';
import { type SqlDialect, statsQuery, toStatsRow } from '../stats-sql.js';

const dialect: SqlDialect = {
  sessions: 'functape_sessions',
  frames: 'functape_frames',
  sessionKey: 'uuid',
  frameKey: 'session_uuid',
  status: 'f.status',
  host: 's.host',
  day: `to_char(s.start_time AT TIME ZONE 'UTC', 'YYYY-MM-DD')`,
  // the partition key too: PostgreSQL then reads only the partitions of the sessions' days
  frameFilter: ' AND f.start_time = s.start_time',
  param: (n) => `$${n}::double precision`,
};

/** `stats` over the fleet database, in PostgreSQL (the status was read out at push time). */
export async function fleetStats(
  client: pg.Client,
  by: StatsGroup,
  sinceMs?: number,
  untilMs?: number,
): Promise<StatsRow[]> {
  const q = statsQuery(dialect, by, sinceMs, untilMs);
  const res = await client.query(q.sql, q.params);
  return (res.rows as Record<string, unknown>[]).map(toStatsRow);
}
