import type Database from 'better-sqlite3';
import type { Direction, StoredFrame } from '../model/frame.js';
import {
  BYTES,
  bigBytesQuery,
  type FrameFilter,
  PAGE,
  pageQueries,
  rowParams,
  rowQuery,
} from './frame-queries.js';

/** Runs a database call, turning SQLite errors that mean a bad file into RecordingError. */
export type Guard = <T>(fn: () => T) => T;

/** One page of an unfiltered read: its rows and the concatenated inline bytes of their messages. */
type PageRead = (
  sessionId: number,
  after: number,
  before?: number,
) => { rows: unknown[][]; bytes: Buffer | null };

/** A connection's frame reading: the database, its error guard, and the statements prepared so far. */
interface FrameReader {
  readonly db: Database.Database;
  readonly guard: Guard;
  /** The paged read concatenates blobs as text; that keeps their bytes only in a UTF-8 file. */
  readonly utf8: boolean;
  /** Prepared statements by their SQL. */
  readonly statements: Map<string, Database.Statement>;
  /** Page reads by the SQL of their rows. */
  readonly pages: Map<string, PageRead>;
  /** The three flag columns of one row, for a direction other than the two. */
  readonly oddFlags: Database.Statement;
}

/**
 * The frames of a session in seq order, read a page at a time from `db` (see
 * Recording.frames): by pages of rows plus one buffer of their bytes when the filter selects
 * no rows (kinds, directions, invocation) and the file is UTF-8, else row by row. Statements
 * are prepared on first use and kept for the connection's life.
 */
export function createFrameReader(
  db: Database.Database,
  guard: Guard,
): (sessionId: number, filter?: FrameFilter) => IterableIterator<StoredFrame> {
  const r: FrameReader = {
    db,
    guard,
    oddFlags: guard(() =>
      db
        .prepare('SELECT direction, compressed, redacted FROM frames WHERE session_id = ? AND seq = ?')
        .raw(true),
    ),
    utf8: guard(() => db.pragma('encoding', { simple: true }) === 'UTF-8'),
    statements: new Map(),
    pages: new Map(),
  };
  // Not a generator itself: frames pass through one generator, not two.
  return (sessionId, filter = {}) => {
    const paged = r.utf8 && !filter.kinds && !filter.directions && filter.invocation === undefined;
    return paged ? framesByPage(r, sessionId, filter) : framesByRow(r, sessionId, filter);
  };
}

/** The statement of `sql`, prepared by `make` the first time. */
function cached(
  r: FrameReader,
  sql: string,
  make: (st: Database.Statement) => Database.Statement,
): Database.Statement {
  let st = r.statements.get(sql);
  if (!st) {
    st = r.guard(() => make(r.db.prepare(sql)));
    r.statements.set(sql, st);
  }
  return st;
}

/** One big message's bytes (or their prefix), by session and seq. */
function bigBytes(r: FrameReader, filter: FrameFilter): Database.Statement {
  return cached(r, bigBytesQuery(filter), (st) => st.pluck(true));
}

/**
 * The read of one page: the rows, then the inline bytes of the same seq range as one blob,
 * both in one read transaction. better-sqlite3 makes a Buffer per blob (most of the cost of
 * reading a small message's row); this makes one per page.
 */
function pageReader(r: FrameReader, filter: FrameFilter): PageRead {
  const sql = pageQueries(filter);
  let read = r.pages.get(sql.rows);
  if (!read) {
    const rows = r.guard(() => r.db.prepare(sql.rows).raw(true));
    const concat = r.guard(() => r.db.prepare(sql.bytes).pluck(true));
    read = r.db.transaction((sessionId: number, after: number, before?: number) => {
      const got = (
        before === undefined ? rows.all(sessionId, after) : rows.all(sessionId, after, before)
      ) as unknown[][];
      if (got.length === 0) return { rows: got, bytes: null };
      return {
        rows: got,
        bytes: concat.get(sessionId, got[0]![0], got[got.length - 1]![0]) as Buffer | null,
      };
    });
    r.pages.set(sql.rows, read);
  }
  return read;
}

/** An unfiltered read: each frame's bytes a view of its page's buffer (a big message's read alone). */
function* framesByPage(
  r: FrameReader,
  sessionId: number,
  filter: FrameFilter,
): IterableIterator<StoredFrame> {
  const read = pageReader(r, filter);
  const big = bigBytes(r, filter);
  let after = filter.afterSeq ?? -1;
  while (true) {
    const page = r.guard(() => read(sessionId, after, filter.beforeSeq));
    const rows = page.rows;
    let inline = 0;
    for (const row of rows) if (row[BYTES] !== null) inline += row[BYTES] as number;
    // Lengths that do not add up (never seen): read each message on its own.
    const all = page.bytes !== null && page.bytes.length === inline ? page.bytes : undefined;
    let offset = 0;
    for (const row of rows) {
      const f = toFrame(r, row, sessionId);
      const length = row[BYTES] as number | null;
      if (length !== null && all) {
        f.bytes = all.subarray(offset, offset + length);
        offset += length;
      } else f.bytes = r.guard(() => big.get(sessionId, f.seq) as Uint8Array);
      yield f;
    }
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1]![0] as number;
  }
}

/** A filtered (or non-UTF-8) read: each row with its bytes (a big message's read alone). */
function* framesByRow(r: FrameReader, sessionId: number, filter: FrameFilter): IterableIterator<StoredFrame> {
  const st = cached(r, rowQuery(filter), (s) => s.raw(true));
  const big = bigBytes(r, filter);
  const rest = rowParams(filter);
  let after = filter.afterSeq ?? -1;
  while (true) {
    const rows = r.guard(() => st.all(sessionId, after, ...rest) as unknown[][]);
    for (const row of rows) {
      const f = toFrame(r, row, sessionId);
      if (row[BYTES] === null) f.bytes = r.guard(() => big.get(sessionId, f.seq) as Uint8Array);
      yield f;
    }
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1]![0] as number;
  }
}

/** A row of FRAME_COLUMNS (+ bytes) as a frame; `bytes` is set by the caller when it is a length. */
function toFrame(r: FrameReader, row: unknown[], sessionId: number): StoredFrame {
  const flags = row[2] as number | null;
  const f: StoredFrame = {
    sessionId,
    seq: row[0] as number,
    dirSeq: row[1] as number,
    direction: flags === null ? 'toHost' : flags & 1 ? 'toWorker' : 'toHost',
    tNs: BigInt(row[3] as number | string),
    wallMs: row[4] as number,
    compressed: flags !== null && (flags & 2) !== 0,
    kind: row[5] as string,
    size: row[9] as number,
    redacted: flags !== null && (flags & 4) !== 0,
    bytes: row[BYTES] as Uint8Array,
  };
  if (flags === null) {
    // A direction that is neither of the two: read the three columns as they are.
    const own = r.guard(() => r.oddFlags.get(sessionId, f.seq) as unknown[]);
    f.direction = own[0] as Direction;
    f.compressed = own[1] === 1;
    f.redacted = own[2] === 1;
  }
  if (row[6] !== null) f.requestId = row[6] as string;
  if (row[7] !== null) f.invocationId = row[7] as string;
  if (row[8] !== null) f.functionId = row[8] as string;
  if (row[10] !== null) f.decodeError = row[10] as string;
  return f;
}
