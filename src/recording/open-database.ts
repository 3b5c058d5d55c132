import Database from 'better-sqlite3';
import { closeSync, existsSync, fstatSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { APPLICATION_ID, SCHEMA_VERSION, migrate } from './schema.js';
import { RecordingError, asRecordingError } from './recording-error.js';

const MAGIC = 'SQLite format 3\0';

/** What a look at an existing file found. */
export interface FileCheck {
  exists: boolean;
  /** user_version of a functape file (0 for a new or empty one). */
  version: number;
}

/**
 * Decide, without changing a single byte of it, whether `path` is a functape recording
 * we can use: throws RecordingError for a missing file (when `mustExist`), something
 * that is not SQLite, another program's database, a newer schema, or a corrupt file.
 * Uses a read-only connection, which never checkpoints or rolls back a journal.
 */
export function checkRecordingFile(path: string, mustExist: boolean): FileCheck {
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory())
      throw new RecordingError(`${path} is a directory, not a recording`, 'unreadable', path);
    size = st.size;
  } catch (err) {
    if (err instanceof RecordingError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      if (mustExist) throw new RecordingError(`${path}: no such recording`, 'missing', path);
      return { exists: false, version: 0 };
    }
    throw new RecordingError(`${path} cannot be read (${(err as Error).message})`, 'unreadable', path);
  }
  if (size === 0 && !existsSync(`${path}-wal`)) {
    if (mustExist) throw new RecordingError(`${path} is empty, not a functape recording`, 'foreign', path);
    return { exists: true, version: 0 };
  }
  if (size > 0) sniffHeader(path, size);
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const conn = db;
    // One read transaction: a writer creating the file commits its tables, user_version and
    // application_id together, and separate reads could see the tables without the id.
    const { appId, version, tables } = conn.transaction(() => ({
      appId: conn.pragma('application_id', { simple: true }) as number,
      version: conn.pragma('user_version', { simple: true }) as number,
      tables: (
        conn.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[]
      ).map((r) => r.name),
    }))();
    if (appId === 0 && version === 0 && tables.length === 0) {
      if (mustExist)
        throw new RecordingError(
          `${path} is an empty SQLite database, not a functape recording`,
          'foreign',
          path,
        );
      return { exists: true, version: 0 };
    }
    if (appId !== APPLICATION_ID) {
      const shown = tables.slice(0, 4).join(', ') + (tables.length > 4 ? ', ...' : '');
      throw new RecordingError(
        `${path} is an SQLite database from another program, not a functape recording (application_id 0x${(appId >>> 0).toString(16)}, tables: ${shown || 'none'})`,
        'foreign',
        path,
      );
    }
    if (version > SCHEMA_VERSION) {
      throw new RecordingError(
        `${path} was written by a newer functape (schema version ${version}; this one reads up to ${SCHEMA_VERSION}): upgrade functape`,
        'newer-schema',
        path,
      );
    }
    if (!tables.includes('frames') || !tables.includes('sessions')) {
      if (version > 0)
        throw new RecordingError(
          `${path} is corrupt (schema version ${version} but tables missing)`,
          'corrupt',
          path,
        );
    }
    return { exists: true, version };
  } catch (err) {
    throw asRecordingError(err, path);
  } finally {
    db?.close();
  }
}

/** Reject files that are not SQLite, and SQLite files shorter than their header says. */
function sniffHeader(path: string, size: number): void {
  const header = Buffer.alloc(100);
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    readSync(fd, header, 0, 100, 0);
    // The size after the header was read: a writer checkpointing meanwhile writes page 1
    // (with the new page count) before the pages that extend the file.
    size = fstatSync(fd).size;
  } catch (err) {
    throw new RecordingError(`${path} cannot be read (${(err as Error).message})`, 'unreadable', path);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  if (size < 100 || header.toString('latin1', 0, 16) !== MAGIC) {
    throw new RecordingError(
      `${path} is not an SQLite database (not a functape recording)`,
      'not-sqlite',
      path,
    );
  }
  const rawPageSize = header.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  const pages = header.readUInt32BE(28);
  const sizeValid = header.readUInt32BE(24) === header.readUInt32BE(92);
  if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) {
    throw new RecordingError(
      `${path} is corrupt (bad page size ${rawPageSize} in the header)`,
      'corrupt',
      path,
    );
  }
  // With a non-empty WAL or a WAL index (a writer running, checkpointing, or killed
  // mid-checkpoint) the file alone is not the database: SQLite itself decides.
  if (sizeValid && pages > 0 && size < pages * pageSize && !hasWal(path)) {
    throw new RecordingError(
      `${path} is corrupt (truncated: ${size} bytes, the header says ${pages} pages of ${pageSize})`,
      'corrupt',
      path,
    );
  }
}

function hasWal(path: string): boolean {
  if (existsSync(`${path}-shm`)) return true;
  try {
    return statSync(`${path}-wal`).size > 0;
  } catch {
    return false;
  }
}

/** Options for a connection that writes. */
export interface WriteOpenOptions {
  /** Cap the database file at about this many bytes (SQLITE_FULL beyond). */
  maxBytes?: number;
  /**
   * 'wal' (default): switch the file to WAL. 'as-is': keep the file's journal mode (a
   * rollback journal for a finished recording), so that a transaction rolled back leaves
   * an existing file byte for byte as it was: the switch to WAL rewrites header bytes.
   */
  journal?: 'wal' | 'as-is';
}

/**
 * Open (creating with mode 0600 if missing) a recording for writing: checks it first
 * (see checkRecordingFile), then WAL mode and migration to the current schema.
 */
export function openForWriting(path: string, options: WriteOpenOptions = {}): Database.Database {
  if (options.maxBytes !== undefined && options.maxBytes < MIN_MAX_BYTES) {
    throw new RangeError(
      `${path}: a size cap of ${options.maxBytes} bytes cannot hold a recording (at least ${MIN_MAX_BYTES / 1024}K)`,
    );
  }
  const check = checkRecordingFile(path, false);
  let created = false;
  if (!check.exists) {
    try {
      closeSync(openSync(path, 'wx', 0o600));
      created = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new RecordingError(`${path} cannot be created (${(err as Error).message})`, 'unreadable', path);
      }
    }
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { fileMustExist: true });
    configureWriter(db, options);
    migrate(db);
    return db;
  } catch (err) {
    db?.close();
    // Never leave behind a file this call created and could not make a recording of.
    if (created) removeRecordingFiles(path);
    throw asRecordingError(err, path);
  }
}

/**
 * The smallest `maxBytes` a writer accepts: sixteen pages of 4 KiB. The empty schema takes
 * six (24 KiB); the rest leaves room for session rows and a few messages.
 */
export const MIN_MAX_BYTES = 16 * 4096;

/**
 * Page size of new recordings, unless a size cap asks for smaller. 16 KiB: a 4 KB message
 * fits its page instead of spilling into overflow pages (~1.7x the insert rate of 4 KiB
 * pages). Larger pages insert 4 KB rows faster still (32 KiB ~1.4x, 64 KiB ~1.55x in a plain
 * insert) but each commit (every 20 ms when this was measured) rewrites the last pages it touched into the WAL, so at a
 * steady 5,000 small messages/s they write ~1.85x (32 KiB) and ~2.6x (64 KiB) the bytes
 * to disk, and cost 200 B messages as much CPU or more (docs/PERFORMANCE.md).
 */
export const NEW_FILE_PAGE_SIZE = 16384;
/** A size-capped new file holds at least this many pages (its empty schema takes ~7). */
const MIN_PAGES_UNDER_CAP = 256;

/**
 * The page size for a new file: NEW_FILE_PAGE_SIZE, or for a file capped at `maxBytes` the largest
 * power of two (4 KiB at least) that leaves it MIN_PAGES_UNDER_CAP pages, so that a small
 * cap is neither filled by the empty schema nor reached in steps of a large page.
 */
export function pageSizeForNewFile(maxBytes?: number): number {
  let size = NEW_FILE_PAGE_SIZE;
  if (maxBytes !== undefined) while (size > 4096 && size * MIN_PAGES_UNDER_CAP > maxBytes) size /= 2;
  return size;
}
/** WAL bytes after which a commit checkpoints them into the file (SQLite's own default is 1000 pages). */
export const CHECKPOINT_BYTES = 16 * 1024 * 1024;

/** How long a writer keeps retrying a step SQLite refuses with SQLITE_BUSY (as busy_timeout). */
const BUSY_RETRY_MS = 10_000;
const pause = new Int32Array(new SharedArrayBuffer(4));

/** Run `step`, again every 5 ms while it fails with SQLITE_BUSY, for at most `limitMs`. */
function whileBusy<T>(step: () => T, limitMs: number): T {
  const until = Date.now() + limitMs;
  for (;;) {
    try {
      return step();
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() >= until) throw err;
      Atomics.wait(pause, 0, 0, 5);
    }
  }
}

/** Pragmas every writing connection uses. */
export function configureWriter(db: Database.Database, options: WriteOpenOptions = {}): void {
  db.pragma(`busy_timeout = ${BUSY_RETRY_MS}`);
  // NEW_FILE_PAGE_SIZE for new files (or smaller under a small cap: pageSizeForNewFile);
  // ignored once a file has tables, so older files keep theirs. Must precede the switch to WAL.
  db.pragma(`page_size = ${pageSizeForNewFile(options.maxBytes)}`);
  // Several writers may open one new file at once (a host starting workers, each under its
  // own `functape wrap`), and one may be switching it back to a rollback journal as it
  // closes: SQLite then answers this switch SQLITE_BUSY at once, without its busy handler.
  if (options.journal !== 'as-is') whileBusy(() => db.pragma('journal_mode = WAL'), BUSY_RETRY_MS);
  db.pragma('synchronous = NORMAL');
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  // Checkpoint by size, not by page count, so a file's WAL stays ~16 MiB whatever its pages.
  db.pragma(`wal_autocheckpoint = ${Math.max(1, Math.round(CHECKPOINT_BYTES / pageSize))}`);
  if (options.maxBytes !== undefined) {
    db.pragma(`max_page_count = ${Math.max(1, Math.floor(options.maxBytes / pageSize))}`);
  }
}

/** Open a recording read-only (checked first); never changes the file. */
/**
 * True when `path` holds a functape recording; false while there is nothing to read yet (no
 * file, or one a writer is still creating: empty, or SQLite without tables). Throws a
 * RecordingError for a file that is something else (`show --follow` waits only for the former).
 */
export function isRecordingYet(path: string): boolean {
  const check = checkRecordingFile(path, false);
  return check.exists && check.version > 0;
}

export function openForReading(path: string): { db: Database.Database; version: number } {
  const check = checkRecordingFile(path, true);
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    return { db, version: check.version };
  } catch (err) {
    throw asRecordingError(err, path);
  }
}

/**
 * Called by a writer as it closes: checkpoint the WAL into the file and, when no other
 * connection has it open, switch back to a rollback journal so a finished recording is
 * one self-contained file that readers can open without creating -wal/-shm files next
 * to it. Never waits for other connections; failures leave a valid WAL database.
 */
export function settleForClose(db: Database.Database): void {
  try {
    db.pragma('busy_timeout = 0');
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.pragma('journal_mode = DELETE');
  } catch {
    // another connection is using the file: it stays in WAL mode, which is fine
  }
}

/**
 * Checkpoint the whole WAL into the file and truncate the WAL, without waiting for other
 * connections (a reader holding an old snapshot leaves part of it for later). For a
 * writer short of disk space: the WAL's space is then free again. Throws what SQLite
 * throws (SQLITE_FULL when the file cannot grow by the pages the WAL holds).
 */
export function checkpointNow(db: Database.Database): void {
  db.pragma('busy_timeout = 0');
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.pragma(`busy_timeout = ${BUSY_RETRY_MS}`);
  }
}

/**
 * Delete a recording and the files SQLite keeps beside it (-wal, -shm, -journal); missing
 * ones are fine. For a file a command created and then could not use (a failed import, a
 * proxy that could not listen), so that a failure leaves nothing behind.
 */
export function removeRecordingFiles(path: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${path}${suffix}`, { force: true });
}
