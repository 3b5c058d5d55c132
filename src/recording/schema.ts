import type Database from 'better-sqlite3';

/**
 * The recording file format. `PRAGMA application_id` marks a file as functape's;
 * `PRAGMA user_version` is the schema version. Every change to the tables is a new
 * entry in MIGRATIONS (never edit a released one) plus a golden file
 * `fixtures/recordings/v<N>.db` that a test opens and migrates.
 */
export const APPLICATION_ID = 0x46545031; // 'FTP1'
export const SCHEMA_VERSION = 2;

export interface Migration {
  /** The user_version after this step. */
  to: number;
  sql: string;
}

/** Version 1: sessions, frames and their indexes. */
const V1 = `
CREATE TABLE sessions (
  id               INTEGER PRIMARY KEY,
  -- NULL start_wall_ms: an id reserved by a running writer, not (yet) a session
  start_wall_ms    REAL,
  label            TEXT,
  upstream         TEXT NOT NULL DEFAULT '',
  path             TEXT NOT NULL DEFAULT '',
  metadata         TEXT NOT NULL DEFAULT '{}',   -- JSON: {"name": ["value", ...]}
  functape_version TEXT NOT NULL DEFAULT '',
  schema_version   TEXT NOT NULL DEFAULT '',
  worker_id        TEXT,
  to_host          INTEGER NOT NULL DEFAULT 0,   -- frames stored, per direction
  to_worker        INTEGER NOT NULL DEFAULT 0,
  unstored         INTEGER NOT NULL DEFAULT 0,   -- frames seen but not stored (store errors)
  end_ns           INTEGER,                      -- NULL while recording or if never ended
  end_wall_ms      REAL,
  end_reason       TEXT,
  status_code      INTEGER,
  status_details   TEXT,
  status_metadata  TEXT                          -- JSON trailers
);
CREATE TABLE frames (
  session_id    INTEGER NOT NULL,
  seq           INTEGER NOT NULL,
  dir_seq       INTEGER NOT NULL,
  direction     TEXT NOT NULL,                   -- 'toHost' | 'toWorker'
  t_ns          INTEGER NOT NULL,                -- monotonic ns since session start
  wall_ms       REAL NOT NULL,
  compressed    INTEGER NOT NULL DEFAULT 0,
  kind          TEXT NOT NULL,
  request_id    TEXT,
  invocation_id TEXT,
  function_id   TEXT,
  size          INTEGER NOT NULL,                -- wire size (= length(bytes) unless redacted)
  redacted      INTEGER NOT NULL DEFAULT 0,
  decode_error  TEXT,
  bytes         BLOB NOT NULL
);
CREATE UNIQUE INDEX frames_session_seq ON frames (session_id, seq);
CREATE INDEX frames_session_invocation ON frames (session_id, invocation_id) WHERE invocation_id IS NOT NULL;
CREATE INDEX frames_session_kind ON frames (session_id, kind);
`;

/**
 * Version 2: every session gets a globally unique id (`uuid`, the key a fleet database files
 * it under: docs/FLEET.md) and says whether it was recorded with `--redact off`. Existing
 * sessions get a random version-4 uuid each and count as redacted (the default).
 */
const V2 = `
ALTER TABLE sessions ADD COLUMN uuid TEXT;
ALTER TABLE sessions ADD COLUMN redact_off INTEGER NOT NULL DEFAULT 0;
UPDATE sessions SET uuid = lower(substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-'
  || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12))
FROM (SELECT id AS i, hex(randomblob(16)) AS h FROM sessions) WHERE id = i;
CREATE UNIQUE INDEX sessions_uuid ON sessions (uuid);
`;

export const MIGRATIONS: readonly Migration[] = [
  { to: 1, sql: V1 },
  { to: 2, sql: V2 },
];

/**
 * The frames table's secondary indexes, exactly as V1 defines them. They serve reads only
 * (filters by invocation and kind); writing does not need them. A live capture may leave
 * them out while it records and build them when it closes (frame-indexes.ts), so a file
 * whose writer is running, or was killed, can lack them: every query must give the same
 * answer without them (only slower), and a writer that opens such a file restores them.
 * `frames_session_seq` (unique, it guards seq order) is never left out.
 */
export const SECONDARY_INDEXES: readonly { name: string; sql: string }[] = [
  {
    name: 'frames_session_invocation',
    sql: 'CREATE INDEX IF NOT EXISTS frames_session_invocation ON frames (session_id, invocation_id) WHERE invocation_id IS NOT NULL',
  },
  {
    name: 'frames_session_kind',
    sql: 'CREATE INDEX IF NOT EXISTS frames_session_kind ON frames (session_id, kind)',
  },
];

/**
 * Bring a functape database (or an empty one) to `target` by running every migration
 * above its user_version, all in one transaction. Returns the version it started from.
 * The caller has already rejected foreign and newer files.
 */
export function migrate(
  db: Database.Database,
  migrations: readonly Migration[] = MIGRATIONS,
  target = SCHEMA_VERSION,
): number {
  let from = db.pragma('user_version', { simple: true }) as number;
  if (from >= target) return from;
  db.transaction(() => {
    // Read again under the write lock: another process may have migrated meanwhile.
    from = db.pragma('user_version', { simple: true }) as number;
    for (const m of migrations) {
      if (m.to <= from || m.to > target) continue;
      db.exec(m.sql);
      db.pragma(`user_version = ${m.to}`);
    }
    db.pragma(`application_id = ${APPLICATION_ID}`);
  }).immediate();
  return from;
}
