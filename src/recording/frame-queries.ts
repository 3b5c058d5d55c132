import type { Direction } from '../model/frame.js';

export interface FrameFilter {
  /** Only these kinds (`invocationRequest`, `unknown`, ...). */
  kinds?: readonly string[];
  directions?: readonly Direction[];
  /**
   * Read at most this many bytes of each message (a prefix; `size` stays the full size).
   * For views that only summarise, so a 64 MiB message costs 64 KiB, not 64 MiB.
   */
  bytesLimit?: number;
  /** Only frames with a seq above this (to resume, e.g. when following a live session). */
  afterSeq?: number;
  /** Only frames with a seq below this (exclusive upper bound). */
  beforeSeq?: number;
  /** Only frames whose invocation id starts with this (the full id, or the prefix `show` prints). */
  invocation?: string;
}

// t_ns comes back as a number while exact (below 2^53 ns, ~104 days), else as text.
// The session id is not read back: the caller asked for one session. Direction, compressed
// and redacted come as one number (each column costs better-sqlite3 ~65 ns a row); it is
// NULL for a direction other than the two (then they are read on their own).
export const FRAME_COLUMNS = `seq, dir_seq,
  CASE direction WHEN 'toHost' THEN 0 WHEN 'toWorker' THEN 1 END + 2 * (compressed = 1) + 4 * (redacted = 1),
  CASE WHEN t_ns > 9007199254740991 THEN CAST(t_ns AS TEXT) ELSE t_ns END, wall_ms, kind,
  request_id, invocation_id, function_id, size, decode_error`;
/** Index of the bytes (or their inline length) after FRAME_COLUMNS. */
export const BYTES = 11;

/** Rows fetched per query: keyset pages are faster than a row iterator and keep memory flat. */
export const PAGE = 1000;
/**
 * Messages up to this size come with their page; bigger ones are read one at a time as
 * they are yielded, so a page never holds more than PAGE × INLINE bytes.
 */
export const INLINE = 16 * 1024;

/** The stored bytes, or their prefix (never NULL: SQLite's substr gives NULL for an empty blob). */
function bytesExpression(filter: FrameFilter): string {
  return filter.bytesLimit === undefined
    ? 'bytes'
    : `ifnull(substr(bytes, 1, ${Math.max(0, Math.floor(filter.bytesLimit))}), x'')`;
}

/** The bytes of a message that comes with its page (at most INLINE long). */
function inlineBytes(filter: FrameFilter): string {
  // A prefix at least INLINE long of a message no longer than INLINE is the whole message.
  return filter.bytesLimit !== undefined && filter.bytesLimit >= INLINE ? 'bytes' : bytesExpression(filter);
}

/**
 * A page of a filtered read, row by row: FRAME_COLUMNS and each message's bytes (NULL for
 * one bigger than INLINE), parameters `session, after, ...rowParams(filter)`.
 */
export function rowQuery(filter: FrameFilter): string {
  const where = ['session_id = ?', 'seq > ?'];
  if (filter.kinds) where.push(`kind IN (${filter.kinds.map(() => '?').join(', ') || 'NULL'})`);
  if (filter.directions)
    where.push(`direction IN (${filter.directions.map(() => '?').join(', ') || 'NULL'})`);
  if (filter.invocation !== undefined) where.push('invocation_id >= ? AND invocation_id < ?');
  if (filter.beforeSeq !== undefined) where.push('seq < ?');
  const columns = `${FRAME_COLUMNS}, CASE WHEN length(bytes) <= ${INLINE} THEN ${inlineBytes(filter)} END`;
  // With an invocation filter, `+seq` keeps SQLite off the seq index for the order: it then
  // finds the invocation's few rows by the (session, invocation_id) index and sorts them,
  // instead of walking the whole session in seq order (~1 s per lookup on 1M messages).
  const order = filter.invocation !== undefined ? '+seq' : 'seq';
  return `SELECT ${columns} FROM frames WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ${PAGE}`;
}

/** The parameters of rowQuery(filter) after the session and the seq to start after. */
export function rowParams(filter: FrameFilter): unknown[] {
  const rest: unknown[] = [...(filter.kinds ?? []), ...(filter.directions ?? [])];
  // a prefix range that the (session, invocation_id) index serves
  if (filter.invocation !== undefined) rest.push(filter.invocation, `${filter.invocation}\u{10FFFF}`);
  if (filter.beforeSeq !== undefined) rest.push(filter.beforeSeq);
  return rest;
}

/** One message's bytes (or their prefix), parameters `session, seq`. */
export function bigBytesQuery(filter: FrameFilter): string {
  return `SELECT ${bytesExpression(filter)} FROM frames WHERE session_id = ? AND seq = ?`;
}

/**
 * The two queries of an unfiltered read by pages. `rows`: FRAME_COLUMNS and each message's
 * inline length instead of its bytes (NULL for a big one), parameters `session, after[,
 * before]`. `bytes`: the inline bytes of a seq range concatenated in seq order, parameters
 * `session, first, last`. The aggregate's own ORDER BY (SQLite >= 3.44) fixes the order of
 * the concatenation: without it, SQLite documents that order as arbitrary.
 */
export function pageQueries(filter: FrameFilter): { rows: string; bytes: string } {
  const bytes = inlineBytes(filter);
  const before = filter.beforeSeq !== undefined ? ' AND seq < ?' : '';
  return {
    rows: `SELECT ${FRAME_COLUMNS}, CASE WHEN length(bytes) <= ${INLINE} THEN length(${bytes}) END FROM frames WHERE session_id = ? AND seq > ?${before} ORDER BY seq LIMIT ${PAGE}`,
    bytes: `SELECT CAST(group_concat(CASE WHEN length(bytes) <= ${INLINE} THEN ${bytes} END, '' ORDER BY seq) AS BLOB) FROM frames WHERE session_id = ? AND seq >= ? AND seq <= ?`,
  };
}
