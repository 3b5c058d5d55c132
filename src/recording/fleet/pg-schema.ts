import type pg from 'pg';
import { insertRollups } from './rollups.js';

/**
 * The fleet database's schema, created and migrated by functape like the SQLite one:
 * `functape_schema.version` is the version, each change is a new entry of PG_MIGRATIONS
 * (never edit a released one), applied in one transaction under an advisory lock so that
 * many pushes starting at once migrate it once.
 *
 * functape_frames is partitioned by the session's start time (one partition per UTC day,
 * created by the push that first needs it), so a session's frames stay in one partition
 * and retention drops whole partitions. functape_invocations (one row per invocation, kept by
 * push) is partitioned the same way. functape_rollups (v2) sums up each ended session per
 * function, with a histogram of service times: what `stats` reads for ended sessions.
 */
export const PG_SCHEMA_VERSION = 2;

const V1 = `
CREATE TABLE functape_sessions (
  uuid             uuid PRIMARY KEY,
  host             text NOT NULL,
  local_id         integer NOT NULL,
  start_time       timestamptz NOT NULL,           -- start_wall_ms as a time: the frames' partition key
  start_wall_ms    double precision NOT NULL,
  label            text,
  upstream         text NOT NULL,
  path             text NOT NULL,
  metadata         text NOT NULL,
  functape_version text NOT NULL,
  schema_version   text NOT NULL,
  worker_id        text,
  to_host          bigint NOT NULL DEFAULT 0,      -- frames pushed, per direction
  to_worker        bigint NOT NULL DEFAULT 0,
  next_seq         bigint NOT NULL DEFAULT 0,      -- every seq below it is here
  unstored         bigint NOT NULL DEFAULT 0,
  end_ns           bigint,                         -- set once the whole session is here
  end_wall_ms      double precision,
  end_reason       text,
  status_code      integer,
  status_details   text,
  status_metadata  text,
  redact_off       boolean NOT NULL DEFAULT false,
  pushed_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX functape_sessions_start ON functape_sessions (start_time);
CREATE INDEX functape_sessions_host ON functape_sessions (host, start_time);
CREATE TABLE functape_frames (
  session_uuid  uuid NOT NULL,
  start_time    timestamptz NOT NULL,
  seq           integer NOT NULL,
  dir_seq       integer NOT NULL,
  direction     text NOT NULL,
  t_ns          bigint NOT NULL,
  wall_ms       double precision NOT NULL,
  compressed    boolean NOT NULL,
  kind          text NOT NULL,
  request_id    text,
  invocation_id text,
  function_id   text,
  size          integer NOT NULL,
  redacted      boolean NOT NULL,
  decode_error  text,
  status        smallint,                        -- an invocationResponse's StatusResult.status
  bytes         bytea NOT NULL,
  PRIMARY KEY (session_uuid, seq, start_time)
) PARTITION BY RANGE (start_time);
CREATE INDEX functape_frames_invocation ON functape_frames (session_uuid, invocation_id)
  WHERE invocation_id IS NOT NULL;
-- One row per invocation, kept by push from the frames it adds (stats reads this, not the frames)
CREATE TABLE functape_invocations (
  session_uuid  uuid NOT NULL,
  start_time    timestamptz NOT NULL,
  invocation_id text NOT NULL,
  function_id   text,                            -- from its InvocationRequest
  req_ns        bigint,                          -- t_ns of its InvocationRequest
  res_ns        bigint,                          -- t_ns of its InvocationResponse
  status        smallint,                        -- the response's StatusResult.status
  cancels       integer NOT NULL,
  logs          integer NOT NULL,
  to_host       bigint NOT NULL,                 -- wire bytes of its messages, each way
  to_worker     bigint NOT NULL,
  PRIMARY KEY (session_uuid, invocation_id, start_time)
) PARTITION BY RANGE (start_time);
`;

/**
 * Per ended session and function (function_id '' for none): what `stats` adds up, and the
 * service times as a histogram (recording/service-time-buckets.ts: ascending bucket numbers and
 * their counts). Written with the session's end (rollups.ts); the ended sessions already
 * here get theirs now. Gone with their session.
 */
const V2 = `
CREATE TABLE functape_rollups (
  session_uuid  uuid NOT NULL REFERENCES functape_sessions (uuid) ON DELETE CASCADE,
  function_id   text NOT NULL,
  invocations   bigint NOT NULL,                 -- with an InvocationRequest
  failures      bigint NOT NULL,
  cancellations bigint NOT NULL,
  answered      bigint NOT NULL,                 -- with a response: the histogram's total
  logs          bigint NOT NULL,
  to_host       bigint NOT NULL,
  to_worker     bigint NOT NULL,
  max_ns        bigint,                          -- the largest service time, exact
  buckets       integer[] NOT NULL,
  counts        integer[] NOT NULL,
  PRIMARY KEY (session_uuid, function_id)
);
${insertRollups('s.end_reason IS NOT NULL')};
`;

export const PG_MIGRATIONS: readonly { to: number; sql: string }[] = [
  { to: 1, sql: V1 },
  { to: 2, sql: V2 },
];

/** Any number that two functape processes agree on and other programs are unlikely to use. */
const LOCK = 0x46545031;

/**
 * Bring the database to PG_SCHEMA_VERSION (creating the tables in an empty one); returns the
 * version it found. Throws for a database of a newer functape.
 */
export async function migrateFleet(client: pg.Client): Promise<number> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS functape_schema (version integer NOT NULL)');
    const row = (await client.query('SELECT version FROM functape_schema')).rows[0] as
      | { version: number }
      | undefined;
    const from = row?.version ?? 0;
    if (from > PG_SCHEMA_VERSION)
      throw new Error(
        `schema version ${from} is from a newer functape (this one knows up to ${PG_SCHEMA_VERSION}): upgrade functape`,
      );
    for (const m of PG_MIGRATIONS) if (m.to > from) await client.query(m.sql);
    if (row === undefined) await client.query('INSERT INTO functape_schema VALUES ($1)', [PG_SCHEMA_VERSION]);
    else await client.query('UPDATE functape_schema SET version = $1', [PG_SCHEMA_VERSION]);
    await client.query('COMMIT');
    return from;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

/** The version of an existing fleet database, without changing it (0: none yet). */
export async function fleetVersion(client: pg.Client): Promise<number> {
  const exists = await client.query(`SELECT to_regclass('functape_schema') IS NOT NULL AS e`);
  if (!(exists.rows[0] as { e: boolean }).e) return 0;
  return (
    ((await client.query('SELECT version FROM functape_schema')).rows[0] as { version: number } | undefined)
      ?.version ?? 0
  );
}

/** The UTC day [from, to) a session starting at `startWallMs` is filed under. */
export function partitionDay(startWallMs: number): {
  name: string;
  invocations: string;
  from: string;
  to: string;
} {
  const day = new Date(Math.floor(startWallMs / 86_400_000) * 86_400_000);
  const next = new Date(day.getTime() + 86_400_000);
  const iso = (d: Date) => d.toISOString().slice(0, 10);
  const ymd = iso(day).replaceAll('-', '');
  return {
    name: `functape_frames_${ymd}`,
    invocations: `functape_invocations_${ymd}`,
    from: iso(day),
    to: iso(next),
  };
}

/** Create the frames partition of a session's day if it does not exist (safe against concurrent pushes). */
export async function ensurePartition(client: pg.Client, startWallMs: number): Promise<void> {
  const p = partitionDay(startWallMs);
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [LOCK + 1]);
    for (const [table, name] of [
      ['functape_frames', p.name],
      ['functape_invocations', p.invocations],
    ])
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${name} PARTITION OF ${table}
         FOR VALUES FROM ('${p.from} 00:00:00+00') TO ('${p.to} 00:00:00+00')`,
      );
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}
