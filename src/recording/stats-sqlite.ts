import type Database from 'better-sqlite3';
import { basename } from 'node:path';
import { invocationStatus } from '../codec/invocation-status.js';
import { serviceTimeBucket } from './service-time-buckets.js';
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

/** SQL function functape_svc_bucket(ns): a service time's histogram bucket (serviceTimeBucket). */
function addBucketFunction(db: Database.Database): void {
  db.function('functape_svc_bucket', { deterministic: true }, (ns: unknown) =>
    typeof ns === 'number' || typeof ns === 'bigint' ? serviceTimeBucket(Number(ns)) : null,
  );
}

/**
 * `stats` over a recording file, in SQLite. The response status is read out of the
 * InvocationResponse messages by an SQL function (only those rows call it), the service
 * times' buckets by another, the same rule as the fleet database's. `host` groups under the
 * file's name. Read-only.
 */
export function recordingStats(path: string, by: StatsGroup, sinceMs?: number, untilMs?: number): StatsRow[] {
  const { db } = openForReading(path);
  try {
    addStatusFunction(db);
    addBucketFunction(db);
    const dialect: SqlDialect = {
      sessions: 'sessions',
      frames: 'frames',
      sessionKey: 'id',
      frameKey: 'session_id',
      status: 'functape_invocation_status(f.bytes)',
      host: `'${basename(path).replaceAll("'", "''")}'`,
      day: `strftime('%Y-%m-%d', s.start_wall_ms / 1000, 'unixepoch')`,
      frameFilter: '',
      bucket: (ns) => `functape_svc_bucket(${ns})`,
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
