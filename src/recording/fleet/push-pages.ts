import type Database from 'better-sqlite3';
import { INLINE, PAGE } from '../frame-queries.js';
import { asRecordingError } from '../recording-error.js';
import { type PushPage, type PushRow, R } from './push-row.js';

/** PushRow's columns but the bytes (`flags` NULL for a direction that is neither of the two). */
const COLUMNS = `seq, dir_seq,
  CASE direction WHEN 'toHost' THEN 0 WHEN 'toWorker' THEN 1 END + 2 * (compressed = 1) + 4 * (redacted = 1),
  CASE WHEN t_ns > 9007199254740991 THEN CAST(t_ns AS TEXT) ELSE t_ns END, wall_ms, kind,
  request_id, invocation_id, function_id, size, decode_error`;

/** Reads up to `limit` frames of a session from seq `from` on, as pages. */
export type PageSource = (sessionId: number, from: number, limit: number) => Iterable<PushPage>;

/**
 * The frames push sends, read from a recording's SQLite connection as pages of row arrays
 * (PushRow), with no object per frame: better-sqlite3 makes a Buffer per blob, so messages up
 * to INLINE bytes come as one concatenation per page (the aggregate's ORDER BY fixes its
 * order; SQLite documents the order as arbitrary without it) and each row holds its length
 * there; the rows and their concatenation are read in one transaction. A page whose lengths
 * do not add up (never seen), a bigger message, or a file not in UTF-8 (where the text
 * concatenation would not keep the bytes) reads its messages one by one. Only reads.
 */
export function pageSource(db: Database.Database, path: string): PageSource {
  const wrap = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      throw asRecordingError(err, path);
    }
  };
  const utf8 = wrap(() => db.pragma('encoding', { simple: true }) === 'UTF-8');
  const where = 'FROM frames WHERE session_id = ? AND seq >= ? ORDER BY seq LIMIT ?';
  const rowsSql = utf8
    ? `SELECT ${COLUMNS}, CASE WHEN length(bytes) <= ${INLINE} THEN length(bytes) END ${where}`
    : `SELECT ${COLUMNS}, NULL ${where}`;
  const rows = wrap(() => db.prepare(rowsSql).raw(true));
  const concat = wrap(() =>
    db
      .prepare(
        `SELECT CAST(group_concat(CASE WHEN length(bytes) <= ${INLINE} THEN bytes END, '' ORDER BY seq) AS BLOB)
         FROM frames WHERE session_id = ? AND seq >= ? AND seq <= ?`,
      )
      .pluck(true),
  );
  const one = wrap(() => db.prepare('SELECT bytes FROM frames WHERE session_id = ? AND seq = ?').pluck(true));
  const odd = wrap(() =>
    db
      .prepare('SELECT direction, compressed, redacted FROM frames WHERE session_id = ? AND seq = ?')
      .raw(true),
  );
  const read = db.transaction((sessionId: number, from: number, limit: number): PushPage => {
    const got = rows.all(sessionId, from, limit) as PushRow[];
    if (!utf8 || got.length === 0) return { rows: got, bytes: null };
    const last = got[got.length - 1]![R.seq];
    return { rows: got, bytes: concat.get(sessionId, got[0]![R.seq], last) as Buffer | null };
  });

  /** Rows whose bytes are not in the page, and odd directions, read on their own. */
  const complete = (sessionId: number, page: PushPage): void => {
    let inline = 0;
    for (const r of page.rows) if (r[R.bytes] !== null) inline += r[R.bytes] as number;
    const whole = page.bytes !== null && page.bytes.length === inline;
    for (const r of page.rows) {
      if (r[R.bytes] === null || !whole) r[R.bytes] = one.get(sessionId, r[R.seq]) as Buffer;
      if ((r[R.flags] as number | null) === null) {
        const [direction, compressed, redacted] = odd.get(sessionId, r[R.seq]) as [string, number, number];
        r[R.flags] = (compressed === 1 ? 2 : 0) | (redacted === 1 ? 4 : 0);
        r[R.odd] = direction;
      }
    }
    if (!whole) page.bytes = null;
  };

  return function* pages(sessionId, from, limit) {
    let next = from;
    let left = limit;
    while (left > 0) {
      const page = wrap(() => {
        const p = read(sessionId, next, Math.min(PAGE, left));
        complete(sessionId, p);
        return p;
      });
      if (page.rows.length === 0) return;
      yield page;
      left -= page.rows.length;
      if (page.rows.length < Math.min(PAGE, left + page.rows.length)) return;
      next = page.rows[page.rows.length - 1]![R.seq] + 1;
    }
  };
}
