import type Database from 'better-sqlite3';
import { basename } from 'node:path';
import { invocationStatus } from '../codec/invocation-status.js';
import type { StatsGroup, StatsRow } from '../model/stats.js';
import { openForReading } from './open-database.js';
import { asRecordingError } from './recording-error.js';
import { type SqlDialect, statsQuery, toStatsRow } from './stats-sql.js';

/** SQL function functape_invocation_status(bytes): an InvocationResponse's status (see invocationStatus). */
export function addStatusFunction(db: Database.Database): void {
  db.function('functape_invocation_status', { deterministic: true }, (bytes: unknown) =>
    bytes instanceof Uint8Array ? (invocationStatus(bytes) ?? null) : null,
  );
}

/**
 * `stats` over a recording file, in SQLite. The response status is read out of the
 * InvocationResponse messages by an SQL function (only those rows call it). `host` groups
 * under the file's name. Read-only.
 */
export function recordingStats(path: string, by: StatsGroup, sinceMs?: number, untilMs?: number): StatsRow[] {
  const { db } = openForReading(path);
  try {
    addStatusFunction(db);
    const dialect: SqlDialect = {
      sessions: 'sessions',
      frames: 'frames',
      sessionKey: 'id',
      frameKey: 'session_id',
      status: 'functape_invocation_status(f.bytes)',
      host: `'${basename(path).replaceAll("'", "''")}'`,
      day: `strftime('%Y-%m-%d', s.start_wall_ms / 1000, 'unixepoch')`,
      frameFilter: '',
      param: () => '?',
    };
    const q = statsQuery(dialect, by, sinceMs, untilMs);
    return (db.prepare(q.sql).all(...q.params) as Record<string, unknown>[]).map(toStatsRow);
  } catch (err) {
    throw asRecordingError(err, path);
  } finally {
    db.close();
  }
}
