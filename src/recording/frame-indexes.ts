import type Database from 'better-sqlite3';
import { SECONDARY_INDEXES } from './schema.js';

/**
 * While a file holds at most this many frames, a writer leaves its secondary indexes out
 * and builds them when it closes; once the file grows past it (or already held more at
 * open), the indexes are built then and kept up to date row by row. Measured with plain
 * better-sqlite3 on the real schema (16 KiB pages, WAL, 2048-row transactions, random
 * invocation ids): keeping the indexes live costs ~10 µs per 200 B row inserted (13.8
 * µs/row with them, 4.1 without) and ~5 µs per 4 KB row; building them costs ~1.3–1.5 µs
 * per row of the whole file (1M rows: 1.3 s). So the limit bounds the build a writer ever
 * does at once — at close (SIGTERM → exit) or when crossing it — to under a second: a long
 * capture stops promptly, and a writer killed before its build leaves at most this many
 * rows without indexes for the next writer to index.
 */
export const DEFER_LIMIT = 500_000;

/** How a writer treats the frames table's secondary indexes (SECONDARY_INDEXES). */
export interface FrameIndexes {
  /** True while they are left out (built by `grew` past the limit, or by `finish`). */
  readonly deferred: boolean;
  /**
   * Tell it this writer committed `rows` more frames: past the limit, the indexes are
   * built now (one transaction) and kept live from then on. Throws what SQLite throws.
   */
  grew(rows: number): void;
  /** Build whichever are missing (CREATE INDEX IF NOT EXISTS); returns their names. Throws what SQLite throws. */
  finish(): string[];
}

/** Names of the secondary indexes the file lacks (a live or killed deferring writer). */
export function missingSecondaryIndexes(db: Database.Database): string[] {
  const have = new Set(
    db
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'frames'`)
      .pluck(true)
      .all() as string[],
  );
  return SECONDARY_INDEXES.filter((i) => !have.has(i.name)).map((i) => i.name);
}

/** Create the missing secondary indexes, all in one transaction (unless one is open); returns their names. */
export function buildSecondaryIndexes(db: Database.Database): string[] {
  const missing = missingSecondaryIndexes(db);
  if (missing.length > 0)
    inTransaction(db, () => {
      for (const i of SECONDARY_INDEXES) if (missing.includes(i.name)) db.exec(i.sql);
    });
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
    return { deferred: false, grew() {}, finish };
  }
  inTransaction(db, () => {
    for (const i of SECONDARY_INDEXES) db.exec(`DROP INDEX IF EXISTS ${i.name}`);
  });
  // Rows this writer added; another process writing the same file is not counted (its
  // rows only make the build at the crossing or at close a little larger).
  let total = rows;
  let deferred = true;
  return {
    get deferred() {
      return deferred;
    },
    grew(added) {
      total += added;
      if (!deferred || total <= deferLimit) return;
      buildSecondaryIndexes(db);
      deferred = false;
    },
    finish,
  };
}

function inTransaction(db: Database.Database, body: () => void): void {
  if (db.inTransaction) body();
  else db.transaction(body).immediate();
}
