import type { StoredFrame } from '../model/frame.js';
import type { SessionInfo } from '../model/session.js';
import { createFrameReader, type Guard } from './frame-reader.js';
import type { FrameFilter } from './frame-queries.js';
import { openForReading } from './open-database.js';
import { asRecordingError } from './recording-error.js';
import { type SessionRow, sessionColumns, toSession } from './session-row.js';

export type { FrameFilter } from './frame-queries.js';
export { type SessionRow, toSession } from './session-row.js';
export {
  createRecordingWriter,
  type RecordingWriter,
  type RecordingWriterOptions,
} from './recording-writer.js';

/**
 * A recording opened read-only. Never modifies the file (it may be read while a
 * recorder writes to it; each call sees the latest committed state). SQLite errors
 * that mean a bad file surface as RecordingError.
 */
export interface Recording {
  readonly path: string;
  /** The file's schema version (PRAGMA user_version). */
  readonly schemaVersion: number;
  /** Every session, by id. */
  sessions(): SessionInfo[];
  session(id: number): SessionInfo | undefined;
  /**
   * A session's frames in seq order, streamed from SQLite a page at a time (constant
   * memory whatever the size). Frames committed while iterating may or may not appear.
   * Without a kinds, directions or invocation filter, the bytes of a page's messages up to
   * 16 KiB are read as one buffer and each frame's `bytes` is a view of it: a caller that
   * keeps a few frames out of many pages keeps those pages' buffers too (copy the bytes
   * to keep them alone).
   */
  frames(sessionId: number, filter?: FrameFilter): IterableIterator<StoredFrame>;
  /** The highest seq stored for a session (undefined when it has no frames). */
  lastSeq(sessionId: number): number | undefined;
  close(): void;
}

export interface OpenRecordingOptions {
  /**
   * This connection's SQLite page cache, in KiB (default: better-sqlite3's, 16 MB). A
   * reader that goes through the file once, in seq order, needs only the b-trees' upper
   * levels cached: export's threads use 2 MiB each.
   */
  cacheKiB?: number;
}

/**
 * Opens `path` read-only (see Recording). Throws RecordingError for a file that is not a
 * usable recording (missing, not SQLite, another program's, a newer schema, corrupt).
 */
export function openRecording(path: string, options: OpenRecordingOptions = {}): Recording {
  const { db, version } = openForReading(path);
  const guard: Guard = (fn) => {
    try {
      return fn();
    } catch (err) {
      throw asRecordingError(err, path);
    }
  };
  if (options.cacheKiB !== undefined) {
    const kib = Math.max(64, Math.floor(options.cacheKiB));
    guard(() => db.pragma(`cache_size = -${kib}`));
  }
  const columns = sessionColumns(version);
  const all = guard(() =>
    db
      .prepare(`SELECT ${columns} FROM sessions WHERE start_wall_ms IS NOT NULL ORDER BY id`)
      .safeIntegers(true),
  );
  const one = guard(() =>
    db
      .prepare(`SELECT ${columns} FROM sessions WHERE id = ? AND start_wall_ms IS NOT NULL`)
      .safeIntegers(true),
  );
  const maxSeq = guard(() => db.prepare('SELECT max(seq) FROM frames WHERE session_id = ?').pluck(true));
  const frames = createFrameReader(db, guard);
  return {
    path,
    schemaVersion: version,
    sessions: () => guard(() => (all.all() as SessionRow[]).map(toSession)),
    session(id) {
      const row = guard(() => one.get(id) as SessionRow | undefined);
      return row ? toSession(row) : undefined;
    },
    frames,
    lastSeq(sessionId) {
      const v = guard(() => maxSeq.get(sessionId) as number | null);
      return v ?? undefined;
    },
    close: () => db.close(),
  };
}
