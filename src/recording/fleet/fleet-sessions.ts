import { FAILED_END_REASONS } from '../../model/session.js';
import type pg from 'pg';
import { type FleetSession, type FleetSessionRow, toFleetSession } from './fleet-rows.js';

/** Which fleet sessions `sessions` lists (every condition given must hold). */
export interface SessionFilter {
  host?: string;
  label?: string;
  sinceMs?: number;
  untilMs?: number;
  /** Only sessions with a failed invocation or a broken end (FAILED_END_REASONS). */
  failed?: boolean;
}

/** The fleet's sessions that match, by start time (then host and id on the host). */
export async function listFleetSessions(
  client: pg.Client,
  filter: SessionFilter = {},
): Promise<FleetSession[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (cond: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(cond(`$${params.length}`));
  };
  if (filter.host !== undefined) add((p) => `s.host = ${p}`, filter.host);
  if (filter.label !== undefined) add((p) => `s.label = ${p}`, filter.label);
  if (filter.sinceMs !== undefined) add((p) => `s.start_wall_ms >= ${p}`, filter.sinceMs);
  if (filter.untilMs !== undefined) add((p) => `s.start_wall_ms < ${p}`, filter.untilMs);
  if (filter.failed)
    add(
      (p) => `(s.end_reason = ANY(${p}) OR EXISTS (SELECT 1 FROM functape_frames f
        WHERE f.session_uuid = s.uuid AND f.start_time = s.start_time
          AND f.kind = 'invocationResponse' AND f.status = 0))`,
      [...FAILED_END_REASONS],
    );
  const sql = `SELECT * FROM functape_sessions s ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY s.start_wall_ms, s.host, s.local_id`;
  return ((await client.query(sql, params)).rows as FleetSessionRow[]).map(toFleetSession);
}
