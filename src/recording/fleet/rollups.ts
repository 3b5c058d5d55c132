import type pg from 'pg';
import type { SessionEnd } from '../../model/session.js';
import { invocationBuckets, SESSION_FUNCTION_SUMS } from '../stats-sql.js';

/**
 * recording/service-time-buckets.ts's serviceTimeBucket in PostgreSQL, for the bigint
 * nanoseconds expression `ns`: 2048 ns and up, the bit length comes from the position of the
 * first 1 in the value's 64 bits.
 */
export function pgServiceTimeBucket(ns: string): string {
  const shift = `(54 - position(B'1' IN (${ns})::bit(64)))`;
  return `(CASE WHEN (${ns}) < 2048 THEN greatest(${ns}, 0) ELSE ${shift} * 1024 + ((${ns}) >> ${shift}) END)`;
}

/**
 * The rollups of the sessions of functape_sessions `s` that match `where`: one row of
 * functape_rollups per (session, function) with what `stats` adds up, from the session's
 * rows of functape_invocations (the histogram as sorted bucket and count arrays).
 */
export function insertRollups(where: string): string {
  const inv = `(SELECT i.session_uuid AS skey, i.function_id, i.req_ns, i.res_ns, i.status, i.cancels, i.logs,
      i.to_host, i.to_worker
    FROM functape_invocations i JOIN functape_sessions s ON i.session_uuid = s.uuid AND i.start_time = s.start_time
    WHERE ${where}) inv`;
  const sorted = (col: string) =>
    `coalesce(array_agg(${col}::integer ORDER BY bucket) FILTER (WHERE bucket IS NOT NULL), '{}')`;
  return `INSERT INTO functape_rollups (session_uuid, function_id, invocations, failures, cancellations, answered,
  logs, to_host, to_worker, max_ns, buckets, counts)
SELECT ${SESSION_FUNCTION_SUMS}, ${sorted('bucket')}, ${sorted('n')}
FROM (${invocationBuckets({ bucket: pgServiceTimeBucket }, inv)}) ib GROUP BY skey, fn`;
}

/**
 * Mark a pushed session ended and write its rollup, in one transaction: a session is ended
 * in the database exactly when its rollup is there, which is how `stats` tells the sessions
 * it reads from rollups from the live ones it reads from functape_invocations. The rollup
 * replaces any earlier one of the session (never adds to it); a session already ended (by
 * a push running at the same time) is left as it is.
 */
export async function storeSessionEnd(
  client: pg.Client,
  uuid: string,
  end: SessionEnd,
  workerId: string | undefined,
): Promise<void> {
  await client.query('BEGIN');
  try {
    const ended = await client.query(
      `UPDATE functape_sessions SET end_ns = $2, end_wall_ms = $3, end_reason = $4, status_code = $5,
         status_details = $6, status_metadata = $7, unstored = $8, worker_id = coalesce(worker_id, $9),
         pushed_at = now()
       WHERE uuid = $1 AND end_reason IS NULL`,
      [
        uuid,
        end.endNs.toString(),
        end.endWallMs,
        end.reason,
        end.status?.code ?? null,
        end.status?.details ?? null,
        end.status?.metadata ? JSON.stringify(end.status.metadata) : null,
        end.unstored ?? 0,
        workerId ?? null,
      ],
    );
    if (ended.rowCount === 1) {
      await client.query('DELETE FROM functape_rollups WHERE session_uuid = $1', [uuid]);
      await client.query(insertRollups('s.uuid = $1'), [uuid]);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}
