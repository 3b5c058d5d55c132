import type Database from 'better-sqlite3';
import { functionNamesOf, invocationStatus, rpcLogMessage } from '../codec/invocation-fields.js';
import type { Direction, StoredFrame } from '../model/frame.js';
import type { BucketCounts, IndexRow } from '../model/index-row.js';
import { openRecording, type Recording } from './open-recording.js';
import { openForReading } from './open-database.js';
import { asRecordingError } from './recording-error.js';

/**
 * Read access for `functape view`: the index columns of a seq range, the frames of one
 * invocation, a seq found by time. Read-only like every reader (the file may be recorded
 * into meanwhile; each call sees the latest committed state). Every query goes through
 * the `(session_id, seq)` or `(session_id, invocation_id)` index, never scans a session
 * it was not asked to, and holds at most `limit` rows: memory does not follow the file.
 *
 * Relies on t_ns growing with seq within a session (the proxy stamps both at once), so
 * a time maps to a seq by binary search over the seq index.
 */
export interface ViewReader {
  readonly recording: Recording;
  /** The first seq whose t_ns >= tNs (lastSeq + 1 when none). */
  seqAtTime(sessionId: number, tNs: number): number;
  /** t_ns of the last stored frame (0 when none). */
  lastTime(sessionId: number): number;
  /**
   * Up to `limit` rows with seq in [fromSeq, toSeq], in seq order. Answers always carry
   * their status; logs carry their text only with `logs`.
   */
  rows(sessionId: number, fromSeq: number, toSeq: number, limit: number, logs?: boolean): IndexRow[];
  /** The request, cancels, logs and answer of one invocation, with bytes, in seq order. */
  invocationFrames(sessionId: number, invocationId: string): StoredFrame[];
  /** An invocation's request and answer (the first of each), for bars with an end out of range. */
  invocationEnds(sessionId: number, invocationId: string): { request?: IndexRow; answer?: IndexRow };
  /**
   * Messages with seq in [fromSeq, fromSeq + count), counted per time bucket of `widthNs`
   * and kind (one SQL aggregate: no row reaches JavaScript but the counts), answers also
   * by failed/cancelled status. Returns the counts and the last seq and time covered.
   */
  bucketCounts(sessionId: number, fromSeq: number, count: number, widthNs: number): BucketCounts;
  /** `functionId → name` from the session's load requests and metadata responses. */
  functionNames(sessionId: number): Map<string, string>;
  /** One frame by seq, with its bytes. */
  frame(sessionId: number, seq: number): StoredFrame | undefined;
  close(): void;
}

/**
 * An answer's status is read from its bytes inside SQLite (functape_status), and a log's
 * bytes come out only when asked (the first parameter): a range's rows then cost no Buffer
 * per message.
 */
const ROW_SQL = `SELECT seq, CAST(t_ns AS REAL), kind, direction, invocation_id, function_id, size,
  CASE WHEN kind = 'invocationResponse' THEN functape_status(bytes) END,
  CASE WHEN ? = 1 AND kind = 'rpcLog' THEN bytes END
  FROM frames WHERE session_id = ? AND seq >= ? AND seq <= ? ORDER BY seq LIMIT ?`;

/** The reader's prepared statements, and `wrap`, which turns a SQLite error into a RecordingError. */
interface ViewStatements {
  readonly wrap: <T>(fn: () => T) => T;
  readonly firstAtOrAfter: Database.Statement;
  readonly last: Database.Statement;
  readonly rows: Database.Statement;
  readonly ends: Database.Statement;
  readonly invocationSeqs: Database.Statement;
  readonly namingBytes: Database.Statement;
  readonly buckets: Database.Statement;
}

export function openViewReader(path: string): ViewReader {
  const recording = openRecording(path, { cacheKiB: 2048 });
  const { db } = openForReading(path);
  const q = prepareViewStatements(db, path);
  const { wrap } = q;
  return {
    recording,
    seqAtTime: (sessionId, tNs) => seqAtTime(q, sessionId, tNs),
    lastTime: (sessionId) => lastRow(q, sessionId)?.[1] ?? 0,
    rows(sessionId, fromSeq, toSeq, limit, logs = false) {
      const got = wrap(() => q.rows.all(logs ? 1 : 0, sessionId, fromSeq, toSeq, limit) as unknown[][]);
      return got.map((r) => toRow(r, logs));
    },
    invocationFrames(sessionId, invocationId) {
      const seqs = wrap(() => q.invocationSeqs.all(sessionId, invocationId) as number[]).sort(
        (a, b) => a - b,
      );
      return seqs.flatMap((seq) => this.frame(sessionId, seq) ?? []);
    },
    invocationEnds(sessionId, invocationId) {
      const got = wrap(() => q.ends.all(sessionId, invocationId) as unknown[][])
        .map((r) => toRow(r, false))
        .sort((a, b) => a.seq - b.seq);
      const request = got.find((r) => r.kind === 'invocationRequest');
      const answer = got.find((r) => r.kind === 'invocationResponse');
      return { ...(request && { request }), ...(answer && { answer }) };
    },
    bucketCounts: (sessionId, fromSeq, count, widthNs) =>
      bucketCounts(wrap(() => q.buckets.all(widthNs, sessionId, fromSeq, fromSeq + count) as unknown[][])),
    functionNames(sessionId) {
      const names = new Map<string, string>();
      for (const bytes of wrap(() => q.namingBytes.all(sessionId) as Buffer[]))
        for (const [id, name] of functionNamesOf(bytes)) names.set(id, name);
      return names;
    },
    frame(sessionId, seq) {
      for (const f of recording.frames(sessionId, { afterSeq: seq - 1, beforeSeq: seq + 1 })) return f;
      return undefined;
    },
    close() {
      db.close();
      recording.close();
    },
  };
}

/** Set the cache, register functape_status and prepare every query (raw rows unless plucked). */
function prepareViewStatements(db: Database.Database, path: string): ViewStatements {
  const wrap = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      throw asRecordingError(err, path);
    }
  };
  wrap(() => db.pragma('cache_size = -8192'));
  const st = (sql: string): Database.Statement => wrap(() => db.prepare(sql).raw(true));
  const firstAtOrAfter = st(
    'SELECT seq, CAST(t_ns AS REAL) FROM frames WHERE session_id = ? AND seq >= ? ORDER BY seq LIMIT 1',
  );
  const last = st(
    'SELECT seq, CAST(t_ns AS REAL) FROM frames WHERE session_id = ? ORDER BY seq DESC LIMIT 1',
  );
  wrap(() =>
    db.function('functape_status', { deterministic: true }, (b: unknown) =>
      b instanceof Uint8Array ? (invocationStatus(b) ?? null) : null,
    ),
  );
  const rows = st(ROW_SQL);
  // No ORDER BY in the two lookups below: with one, SQLite walks the seq index through the
  // whole session instead of the invocation or kind index (rows are sorted here instead).
  const ends = st(
    `SELECT seq, CAST(t_ns AS REAL), kind, direction, invocation_id, function_id, size,
      CASE WHEN kind = 'invocationResponse' THEN functape_status(bytes) END, NULL
      FROM frames WHERE session_id = ? AND invocation_id = ?
      AND kind IN ('invocationRequest', 'invocationResponse')`,
  );
  const invocationSeqs = wrap(() =>
    db.prepare('SELECT seq FROM frames WHERE session_id = ? AND invocation_id = ?').pluck(true),
  );
  const namingBytes = wrap(() =>
    db
      .prepare(
        `SELECT bytes FROM frames WHERE session_id = ? AND kind IN
          ('functionLoadRequest', 'functionLoadRequestCollection', 'functionMetadataResponse')`,
      )
      .pluck(true),
  );
  const buckets = st(
    `SELECT CAST(t_ns / ? AS INTEGER) AS b, kind, count(*),
      sum(s = 0), sum(s = 2), max(seq), max(CAST(t_ns AS REAL))
      FROM (SELECT seq, t_ns, kind, CASE WHEN kind = 'invocationResponse' THEN functape_status(bytes) END AS s
        FROM frames WHERE session_id = ? AND seq >= ? AND seq < ?)
      GROUP BY b, kind ORDER BY b`,
  );
  return { wrap, firstAtOrAfter, last, rows, ends, invocationSeqs, namingBytes, buckets };
}

function lastRow(q: ViewStatements, sessionId: number): [number, number] | undefined {
  return q.wrap(() => q.last.get(sessionId) as [number, number] | undefined);
}

/** `ViewReader.seqAtTime`: binary search over the seq index (t_ns grows with seq). */
function seqAtTime(q: ViewStatements, sessionId: number, tNs: number): number {
  const end = lastRow(q, sessionId);
  if (!end) return 0;
  let lo = 0;
  let hi = end[0] + 1;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const got = q.wrap(() => q.firstAtOrAfter.get(sessionId, mid) as [number, number] | undefined);
    if (!got || got[1] >= tNs) hi = mid;
    else lo = got[0] + 1;
  }
  return lo;
}

/** The buckets query's raw rows as BucketCounts. */
function bucketCounts(got: unknown[][]): BucketCounts {
  const out: BucketCounts = { counts: [] };
  for (const r of got) {
    out.counts.push({
      bucket: r[0] as number,
      kind: r[1] as string,
      count: r[2] as number,
      failed: (r[3] as number | null) ?? 0,
      cancelled: (r[4] as number | null) ?? 0,
    });
    out.lastSeq = Math.max(out.lastSeq ?? -1, r[5] as number);
    out.lastNs = Math.max(out.lastNs ?? 0, r[6] as number);
  }
  return out;
}

/** A ROW_SQL (or ends) row as an IndexRow; a log's text only with `logs`. */
function toRow(r: unknown[], logs: boolean): IndexRow {
  const row: IndexRow = {
    seq: r[0] as number,
    tNs: r[1] as number,
    kind: r[2] as string,
    direction: r[3] as Direction,
    invocationId: r[4] as string | null,
    functionId: r[5] as string | null,
    size: r[6] as number,
  };
  if (r[7] !== null) row.status = r[7] as number;
  const log = r[8] as Buffer | null;
  if (log && logs) row.log = rpcLogMessage(log);
  return row;
}
