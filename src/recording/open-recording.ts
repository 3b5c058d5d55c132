import type Database from 'better-sqlite3';
import type { Direction, StoredFrame } from '../model/frame.js';
import type { EndReason, Metadata, SessionInfo } from '../model/session.js';
import { openForReading } from './open-database.js';
import { asRecordingError } from './recording-error.js';

export {
  createRecordingWriter,
  type RecordingWriter,
  type RecordingWriterOptions,
} from './recording-writer.js';

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

/** A sessions row as better-sqlite3 reads it (integers as bigints where they may be large). */
export interface SessionRow {
  id: number;
  start_wall_ms: number;
  label: string | null;
  upstream: string;
  path: string;
  metadata: string;
  functape_version: string;
  schema_version: string;
  worker_id: string | null;
  to_host: number;
  to_worker: number;
  unstored: number;
  end_ns: bigint | null;
  end_wall_ms: number | null;
  end_reason: string | null;
  status_code: bigint | null;
  status_details: string | null;
  status_metadata: string | null;
  uuid: string | null;
  redact_off: bigint;
}

/** The session columns of a file of schema `version` (a version-1 file has no uuid yet). */
const sessionColumns = (
  version: number,
) => `id, start_wall_ms, label, upstream, path, metadata, functape_version,
  schema_version, worker_id, to_host, to_worker, unstored, end_ns, end_wall_ms, end_reason, status_code,
  status_details, status_metadata, ${version >= 2 ? 'uuid, redact_off' : 'NULL AS uuid, 0 AS redact_off'}`;

// t_ns comes back as a number while exact (below 2^53 ns, ~104 days), else as text.
// The session id is not read back: the caller asked for one session. Direction, compressed
// and redacted come as one number (each column costs better-sqlite3 ~65 ns a row); it is
// NULL for a direction other than the two (then they are read on their own).
const FRAME_COLUMNS = `seq, dir_seq,
  CASE direction WHEN 'toHost' THEN 0 WHEN 'toWorker' THEN 1 END + 2 * (compressed = 1) + 4 * (redacted = 1),
  CASE WHEN t_ns > 9007199254740991 THEN CAST(t_ns AS TEXT) ELSE t_ns END, wall_ms, kind,
  request_id, invocation_id, function_id, size, decode_error`;
/** Index of the bytes (or their inline length) after FRAME_COLUMNS. */
const BYTES = 11;

/** Rows fetched per query: keyset pages are faster than a row iterator and keep memory flat. */
const PAGE = 1000;
/**
 * Messages up to this size come with their page; bigger ones are read one at a time as
 * they are yielded, so a page never holds more than PAGE × INLINE bytes.
 */
const INLINE = 16 * 1024;

export interface OpenRecordingOptions {
  /**
   * This connection's SQLite page cache, in KiB (default: better-sqlite3's, 16 MB). A
   * reader that goes through the file once, in seq order, needs only the b-trees' upper
   * levels cached: export's threads use 2 MiB each.
   */
  cacheKiB?: number;
}

export function openRecording(path: string, options: OpenRecordingOptions = {}): Recording {
  const { db, version } = openForReading(path);
  const wrap = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      throw asRecordingError(err, path);
    }
  };
  if (options.cacheKiB !== undefined) {
    const kib = Math.max(64, Math.floor(options.cacheKiB));
    wrap(() => db.pragma(`cache_size = -${kib}`));
  }
  const SESSION_COLUMNS = sessionColumns(version);
  const all = wrap(() =>
    db
      .prepare(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE start_wall_ms IS NOT NULL ORDER BY id`)
      .safeIntegers(true),
  );
  const one = wrap(() =>
    db
      .prepare(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE id = ? AND start_wall_ms IS NOT NULL`)
      .safeIntegers(true),
  );
  const frameStatements = new Map<string, Database.Statement>();
  const maxSeq = wrap(() => db.prepare('SELECT max(seq) FROM frames WHERE session_id = ?').pluck(true));
  const oddFlags = wrap(() =>
    db
      .prepare('SELECT direction, compressed, redacted FROM frames WHERE session_id = ? AND seq = ?')
      .raw(true),
  );

  function frameStatement(filter: FrameFilter): Database.Statement {
    const where = ['session_id = ?', 'seq > ?'];
    if (filter.kinds) where.push(`kind IN (${filter.kinds.map(() => '?').join(', ') || 'NULL'})`);
    if (filter.directions)
      where.push(`direction IN (${filter.directions.map(() => '?').join(', ') || 'NULL'})`);
    if (filter.invocation !== undefined) where.push('invocation_id >= ? AND invocation_id < ?');
    if (filter.beforeSeq !== undefined) where.push('seq < ?');
    // A prefix at least INLINE long of a message no longer than INLINE is the whole message.
    const bytes =
      filter.bytesLimit !== undefined && filter.bytesLimit >= INLINE ? 'bytes' : bytesExpression(filter);
    const columns = `${FRAME_COLUMNS}, CASE WHEN length(bytes) <= ${INLINE} THEN ${bytes} END`;
    // With an invocation filter, `+seq` keeps SQLite off the seq index for the order: it then
    // finds the invocation's few rows by the (session, invocation_id) index and sorts them,
    // instead of walking the whole session in seq order (~1 s per lookup on 1M messages).
    const order = filter.invocation !== undefined ? '+seq' : 'seq';
    const sql = `SELECT ${columns} FROM frames WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ${PAGE}`;
    let st = frameStatements.get(sql);
    if (!st) {
      st = wrap(() => db.prepare(sql).raw(true));
      frameStatements.set(sql, st);
    }
    return st;
  }

  function bigBytes(filter: FrameFilter): Database.Statement {
    const sql = `SELECT ${bytesExpression(filter)} FROM frames WHERE session_id = ? AND seq = ?`;
    let st = frameStatements.get(sql);
    if (!st) {
      st = wrap(() => db.prepare(sql).pluck(true));
      frameStatements.set(sql, st);
    }
    return st;
  }

  // The paged read concatenates blobs as text; that keeps their bytes only in a UTF-8 file.
  const utf8 = wrap(() => db.pragma('encoding', { simple: true }) === 'UTF-8');
  type PageRead = (
    sessionId: number,
    after: number,
    before?: number,
  ) => { rows: unknown[][]; bytes: Buffer | null };
  const pages = new Map<string, PageRead>();

  /**
   * The statements of an unfiltered read by pages: one for the rows (with each message's
   * inline length instead of its bytes, NULL for a big one), one for the inline bytes of
   * the same seq range concatenated in seq order, both in one read transaction. better-sqlite3
   * makes a Buffer per blob (most of the cost of reading a small message's row); this makes
   * one per page. The aggregate's own ORDER BY (SQLite >= 3.44) fixes the order of the
   * concatenation: without it, SQLite documents that order as arbitrary.
   */
  function pageReader(filter: FrameFilter): PageRead {
    const bytes =
      filter.bytesLimit !== undefined && filter.bytesLimit >= INLINE ? 'bytes' : bytesExpression(filter);
    const before = filter.beforeSeq !== undefined ? ' AND seq < ?' : '';
    const rowsSql = `SELECT ${FRAME_COLUMNS}, CASE WHEN length(bytes) <= ${INLINE} THEN length(${bytes}) END FROM frames WHERE session_id = ? AND seq > ?${before} ORDER BY seq LIMIT ${PAGE}`;
    let read = pages.get(rowsSql);
    if (!read) {
      const rows = wrap(() => db.prepare(rowsSql).raw(true));
      const bytesSql = `SELECT CAST(group_concat(CASE WHEN length(bytes) <= ${INLINE} THEN ${bytes} END, '' ORDER BY seq) AS BLOB) FROM frames WHERE session_id = ? AND seq >= ? AND seq <= ?`;
      const concat = wrap(() => db.prepare(bytesSql).pluck(true));
      read = db.transaction((sessionId: number, after: number, before?: number) => {
        const got = (
          before === undefined ? rows.all(sessionId, after) : rows.all(sessionId, after, before)
        ) as unknown[][];
        if (got.length === 0) return { rows: got, bytes: null };
        return {
          rows: got,
          bytes: concat.get(sessionId, got[0]![0], got[got.length - 1]![0]) as Buffer | null,
        };
      });
      pages.set(rowsSql, read);
    }
    return read;
  }

  function* framesByPage(sessionId: number, filter: FrameFilter): IterableIterator<StoredFrame> {
    const read = pageReader(filter);
    const big = bigBytes(filter);
    let after = filter.afterSeq ?? -1;
    while (true) {
      const page = wrap(() => read(sessionId, after, filter.beforeSeq));
      const rows = page.rows;
      let inline = 0;
      for (const r of rows) if (r[BYTES] !== null) inline += r[BYTES] as number;
      // Lengths that do not add up (never seen): read each message on its own.
      const all = page.bytes !== null && page.bytes.length === inline ? page.bytes : undefined;
      let offset = 0;
      for (const r of rows) {
        const f = toFrame(r, sessionId);
        const length = r[BYTES] as number | null;
        if (length !== null && all) {
          f.bytes = all.subarray(offset, offset + length);
          offset += length;
        } else f.bytes = wrap(() => big.get(sessionId, f.seq) as Uint8Array);
        yield f;
      }
      if (rows.length < PAGE) return;
      after = rows[rows.length - 1]![0] as number;
    }
  }

  /** The reader for a filter (not a generator itself: frames pass through one generator, not two). */
  function frames(sessionId: number, filter: FrameFilter = {}): IterableIterator<StoredFrame> {
    const paged = utf8 && !filter.kinds && !filter.directions && filter.invocation === undefined;
    return paged ? framesByPage(sessionId, filter) : framesByRow(sessionId, filter);
  }

  function* framesByRow(sessionId: number, filter: FrameFilter): IterableIterator<StoredFrame> {
    const st = frameStatement(filter);
    const big = bigBytes(filter);
    const rest: unknown[] = [...(filter.kinds ?? []), ...(filter.directions ?? [])];
    // a prefix range that the (session, invocation_id) index serves
    if (filter.invocation !== undefined) rest.push(filter.invocation, `${filter.invocation}\u{10FFFF}`);
    if (filter.beforeSeq !== undefined) rest.push(filter.beforeSeq);
    let after = filter.afterSeq ?? -1;
    while (true) {
      const rows = wrap(() => st.all(sessionId, after, ...rest) as unknown[][]);
      for (const r of rows) {
        const f = toFrame(r, sessionId);
        if (r[BYTES] === null) f.bytes = wrap(() => big.get(sessionId, f.seq) as Uint8Array);
        yield f;
      }
      if (rows.length < PAGE) return;
      after = rows[rows.length - 1]![0] as number;
    }
  }

  /** A row of FRAME_COLUMNS (+ bytes) as a frame; `bytes` is set by the caller when it is a length. */
  function toFrame(r: unknown[], sessionId: number): StoredFrame {
    const flags = r[2] as number | null;
    const f: StoredFrame = {
      sessionId,
      seq: r[0] as number,
      dirSeq: r[1] as number,
      direction: flags === null ? 'toHost' : flags & 1 ? 'toWorker' : 'toHost',
      tNs: BigInt(r[3] as number | string),
      wallMs: r[4] as number,
      compressed: flags !== null && (flags & 2) !== 0,
      kind: r[5] as string,
      size: r[9] as number,
      redacted: flags !== null && (flags & 4) !== 0,
      bytes: r[BYTES] as Uint8Array,
    };
    if (flags === null) {
      // A direction that is neither of the two: read the three columns as they are.
      const own = wrap(() => oddFlags.get(sessionId, f.seq) as unknown[]);
      f.direction = own[0] as Direction;
      f.compressed = own[1] === 1;
      f.redacted = own[2] === 1;
    }
    if (r[6] !== null) f.requestId = r[6] as string;
    if (r[7] !== null) f.invocationId = r[7] as string;
    if (r[8] !== null) f.functionId = r[8] as string;
    if (r[10] !== null) f.decodeError = r[10] as string;
    return f;
  }

  return {
    path,
    schemaVersion: version,
    sessions: () => wrap(() => (all.all() as SessionRow[]).map(toSession)),
    session(id) {
      const row = wrap(() => one.get(id) as SessionRow | undefined);
      return row ? toSession(row) : undefined;
    },
    frames,
    lastSeq(sessionId) {
      const v = wrap(() => maxSeq.get(sessionId) as number | null);
      return v ?? undefined;
    },
    close: () => db.close(),
  };
}

/** The stored bytes, or their prefix (never NULL: SQLite's substr gives NULL for an empty blob). */
function bytesExpression(filter: FrameFilter): string {
  return filter.bytesLimit === undefined
    ? 'bytes'
    : `ifnull(substr(bytes, 1, ${Math.max(0, Math.floor(filter.bytesLimit))}), x'')`;
}

function parseMetadata(text: string | null): Metadata {
  if (!text) return {};
  try {
    return JSON.parse(text) as Metadata;
  } catch {
    return {};
  }
}

/** A sessions row as the SessionInfo readers give (the fleet's rows come through here too). */
export function toSession(r: SessionRow): SessionInfo {
  const s: SessionInfo = {
    id: Number(r.id),
    startWallMs: r.start_wall_ms,
    upstream: r.upstream,
    path: r.path,
    metadata: parseMetadata(r.metadata),
    functapeVersion: r.functape_version,
    schemaVersion: r.schema_version,
    counts: { toHost: Number(r.to_host), toWorker: Number(r.to_worker) },
  };
  if (r.label !== null) s.label = r.label;
  if (r.worker_id !== null) s.workerId = r.worker_id;
  if (r.uuid !== null) s.uuid = r.uuid;
  if (Number(r.redact_off) !== 0) s.redactOff = true;
  if (r.end_reason !== null) {
    s.end = {
      id: s.id,
      endNs: r.end_ns ?? 0n,
      endWallMs: r.end_wall_ms ?? r.start_wall_ms,
      status:
        r.status_code === null
          ? null
          : {
              code: Number(r.status_code),
              details: r.status_details ?? '',
              ...(r.status_metadata ? { metadata: parseMetadata(r.status_metadata) } : {}),
            },
      reason: r.end_reason as EndReason,
    };
    if (Number(r.unstored) > 0) s.end.unstored = Number(r.unstored);
  }
  return s;
}
