import type Database from 'better-sqlite3';
import { SECONDARY_INDEXES } from './schema.js';

/**
 * Files holding at most this many frames when a writer opens them have their secondary
 * indexes dropped for the writer's lifetime and rebuilt when it closes. Above it the
 * indexes are kept up to date row by row, as a rebuild at close (which sorts every row of
 * the file, old ones included) would cost more than the per-row upkeep saves. Measured
 * with plain better-sqlite3 on the real schema (16 KiB pages, WAL, 2048-row transactions,
 * random invocation ids): keeping the indexes live costs ~10 µs per 200 B row inserted
 * (13.8 µs/row with them, 4.1 without) and ~5 µs per 4 KB row; a rebuild costs ~1.5 µs
 * per 200 B row and ~3.6 µs per 4 KB row of the whole file (300k rows: 0.5 s). So this
 * limit adds at most ~1 s to a close for rows an earlier recording left.
 */
export const DEFER_LIMIT = 250_000;

/** How a writer treats the frames table's secondary indexes (SECONDARY_INDEXES). */
export interface FrameIndexes {
  /** True when they are left out while this writer writes (built by `finish`). */
  readonly deferred: boolean;
  /** Build whichever are missing (CREATE INDEX IF NOT EXISTS); returns their names. Throws what SQLite throws. */
  finish(): string[];
}

/** Names of the secondary indexes the file lacks (a live or killed deferring writer). */
export function missingSecondaryIndexes(db: Database.Database): string[] {
  const have = new Set(db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'frames'`).pluck(true).all() as string[]);
  return SECONDARY_INDEXES.filter((i) => !have.has(i.name)).map((i) => i.name);
}

/** Create the missing secondary indexes, all in one transaction (unless one is open); returns their names. */
export function buildSecondaryIndexes(db: Database.Database): string[] {
  const missing = missingSecondaryIndexes(db);
  if (missing.length > 0) inTransaction(db, () => SECONDARY_INDEXES.filter((i) => missing.includes(i.name)).forEach((i) => db.exec(i.sql)));
  return missing;
}

/**
 * Called by a writer right after it opens a migrated file: when the file holds at most
 * `deferLimit` frames, drop the secondary indexes (cheap then) so that inserts skip them;
 * otherwise restore any a killed writer left out. Either way `finish` (at close) builds
 * what is missing. Another process writing the same file meanwhile stays correct: it
 * inserts with whatever indexes exist, and whichever closes first builds them.
 */
export function manageFrameIndexes(db: Database.Database, deferLimit = DEFER_LIMIT): FrameIndexes {
  // max(rowid) is one B-tree descent; frames are never deleted, so it counts them.
  const rows = (db.prepare('SELECT max(rowid) FROM frames').pluck(true).get() as number | null) ?? 0;
  const finish = () => buildSecondaryIndexes(db);
  if (rows > deferLimit) {
    buildSecondaryIndexes(db);
    return { deferred: false, finish };
  }
  inTransaction(db, () => {
    for (const i of SECONDARY_INDEXES) db.exec(`DROP INDEX IF EXISTS ${i.name}`);
  });
  return { deferred: true, finish };
}

function inTransaction(db: Database.Database, body: () => void): void {
  if (db.inTransaction) body();
  else db.transaction(body).immediate();
}
