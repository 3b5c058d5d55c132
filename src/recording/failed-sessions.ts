import { openForReading } from './open-database.js';
import { asRecordingError } from './recording-error.js';
import { addStatusFunction } from './stats-sqlite.js';

/**
 * The ids of a recording's sessions that had a failure: an InvocationResponse with status
 * Failure, or an end of one of `failedEnds`. Computed in SQLite (the status through an SQL
 * function on the responses only). Read-only.
 */
export function failedSessionIds(path: string, failedEnds: readonly string[]): Set<number> {
  const { db } = openForReading(path);
  try {
    addStatusFunction(db);
    const rows = db
      .prepare(
        `SELECT id FROM sessions s WHERE start_wall_ms IS NOT NULL AND (end_reason IN (${failedEnds.map(() => '?').join(', ') || 'NULL'})
           OR EXISTS (SELECT 1 FROM frames f WHERE f.session_id = s.id AND f.kind = 'invocationResponse'
             AND functape_invocation_status(f.bytes) = 0))`,
      )
      .pluck(true)
      .all(...failedEnds) as number[];
    return new Set(rows);
  } catch (err) {
    throw asRecordingError(err, path);
  } finally {
    db.close();
  }
}
