import type Database from 'better-sqlite3';
import { openForReading } from './open-database.js';
import { asRecordingError } from './recording-error.js';

export type VerifyProblemKind =
  | 'integrity' // SQLite's integrity_check found damage
  | 'seq-gap' // a session's seq numbers skip or repeat
  | 'dir-seq-gap' // one direction's dirSeq numbers skip or repeat
  | 'size-mismatch' // stored size differs from the stored bytes (not redacted)
  | 'not-ended' // a session has no end (still recording, or the recorder was killed)
  | 'unstored' // the recorder saw messages it could not store
  | 'count-mismatch' // the session row's counts disagree with its frames
  | 'orphan-frames' // frames of a session id that has no session row
  | 'time-order'; // a frame is stamped earlier than the one before it

export interface VerifyProblem {
  kind: VerifyProblemKind;
  sessionId?: number;
  message: string;
}

/** What `functape verify` found: plain data, printed by the CLI. Clean when `problems` is empty. */
export interface VerifyReport {
  path: string;
  schemaVersion: number;
  sessions: number;
  frames: number;
  problems: VerifyProblem[];
}

/** Most problems listed per session and kind; the rest are summed into one line. */
const LIMIT = 5;

/** Check a recording (read-only). Throws RecordingError when it cannot be opened at all. */
export function verifyRecording(path: string): VerifyReport {
  const { db, version } = openForReading(path);
  try {
    const report: VerifyReport = { path, schemaVersion: version, sessions: 0, frames: 0, problems: [] };
    const check = (name: string, fn: () => void) => {
      try {
        fn();
      } catch (err) {
        const e = asRecordingError(err, path);
        report.problems.push({
          kind: 'integrity',
          message: `${name} could not be checked: ${e instanceof Error ? e.message : String(e)}`,
        });
      }
    };
    check('integrity', () => {
      const rows = db.pragma('integrity_check(20)') as { integrity_check: string }[];
      for (const r of rows)
        if (r.integrity_check !== 'ok')
          report.problems.push({ kind: 'integrity', message: `SQLite: ${r.integrity_check}` });
    });
    check('sessions', () => checkSessions(db, report));
    check('seq', () => checkSeq(db, report));
    check('sizes', () => checkSizes(db, report));
    return report;
  } finally {
    db.close();
  }
}

function checkSessions(db: Database.Database, report: VerifyReport): void {
  const rows = db
    .prepare(
      `SELECT s.id, s.end_reason, s.unstored, s.to_host, s.to_worker,
         (SELECT max(f.t_ns) FROM frames f WHERE f.session_id = s.id) AS last_ns,
         (SELECT count(*) FROM frames f WHERE f.session_id = s.id AND f.direction = 'toHost') AS h,
         (SELECT count(*) FROM frames f WHERE f.session_id = s.id AND f.direction = 'toWorker') AS w
       FROM sessions s WHERE s.start_wall_ms IS NOT NULL ORDER BY s.id`,
    )
    .all() as {
    id: number;
    end_reason: string | null;
    unstored: number;
    to_host: number;
    to_worker: number;
    last_ns: number | null;
    h: number;
    w: number;
  }[];
  report.sessions = rows.length;
  for (const s of rows) {
    report.frames += s.h + s.w;
    if (s.end_reason === null) {
      const last = s.last_ns === null ? 'no messages' : `last message at ${(s.last_ns / 1e9).toFixed(3)}s`;
      report.problems.push({
        kind: 'not-ended',
        sessionId: s.id,
        message: `session ${s.id} never ended (${last}; still recording, or the recorder was killed)`,
      });
    }
    if (s.unstored > 0)
      report.problems.push({
        kind: 'unstored',
        sessionId: s.id,
        message: `session ${s.id}: ${s.unstored} message(s) were forwarded but not stored (store errors)`,
      });
    if (s.h !== s.to_host || s.w !== s.to_worker)
      report.problems.push({
        kind: 'count-mismatch',
        sessionId: s.id,
        message: `session ${s.id}: the session row counts ${s.to_host}/${s.to_worker} messages toHost/toWorker, the frames ${s.h}/${s.w}`,
      });
  }
  const orphans = db
    .prepare(
      `SELECT f.session_id AS id, count(*) AS n FROM frames f LEFT JOIN sessions s ON s.id = f.session_id
       WHERE s.start_wall_ms IS NULL GROUP BY f.session_id`,
    )
    .all() as { id: number; n: number }[];
  for (const o of orphans) {
    report.frames += o.n;
    report.problems.push({
      kind: 'orphan-frames',
      sessionId: o.id,
      message: `${o.n} message(s) of session ${o.id}, which has no session row`,
    });
  }
}

interface Gap {
  session_id: number;
  direction: string | null;
  n: number;
  prev: number | null;
}

function describeGap(g: Gap, field: string): string {
  const where = g.direction ? `${g.direction} ${field}` : field;
  if (g.prev === null) return `${where} starts at ${g.n}, not 0`;
  if (g.n === g.prev) return `${where} ${g.n} appears twice`;
  return `${where} jumps from ${g.prev} to ${g.n} (${g.n - g.prev - 1} missing)`;
}

function report(gaps: Gap[], kind: VerifyProblemKind, field: string, out: VerifyReport): void {
  const bySession = new Map<number, Gap[]>();
  for (const g of gaps) {
    const list = bySession.get(g.session_id) ?? [];
    list.push(g);
    bySession.set(g.session_id, list);
  }
  for (const [id, list] of bySession) {
    for (const g of list.slice(0, LIMIT))
      out.problems.push({ kind, sessionId: id, message: `session ${id}: ${describeGap(g, field)}` });
    if (list.length > LIMIT)
      out.problems.push({
        kind,
        sessionId: id,
        message: `session ${id}: ${list.length - LIMIT} more ${field} gaps`,
      });
  }
}

function checkSeq(db: Database.Database, out: VerifyReport): void {
  const seqGaps = db
    .prepare(
      `SELECT session_id, NULL AS direction, seq AS n, prev FROM (
         SELECT session_id, seq, lag(seq) OVER (PARTITION BY session_id ORDER BY seq) AS prev FROM frames)
       WHERE (prev IS NULL AND seq <> 0) OR (prev IS NOT NULL AND seq <> prev + 1)
       ORDER BY session_id, seq`,
    )
    .all() as Gap[];
  report(seqGaps, 'seq-gap', 'seq', out);
  const dirGaps = db
    .prepare(
      `SELECT session_id, direction, dir_seq AS n, prev FROM (
         SELECT session_id, direction, dir_seq, lag(dir_seq) OVER (PARTITION BY session_id, direction ORDER BY dir_seq) AS prev FROM frames)
       WHERE (prev IS NULL AND dir_seq <> 0) OR (prev IS NOT NULL AND dir_seq <> prev + 1)
       ORDER BY session_id, direction, dir_seq`,
    )
    .all() as Gap[];
  report(dirGaps, 'dir-seq-gap', 'dirSeq', out);
  const backwards = db
    .prepare(
      `SELECT session_id AS id, count(*) AS n, min(seq) AS first FROM (
         SELECT session_id, seq, t_ns, lag(t_ns) OVER (PARTITION BY session_id ORDER BY seq) AS prev FROM frames)
       WHERE t_ns < prev GROUP BY session_id ORDER BY session_id`,
    )
    .all() as { id: number; n: number; first: number }[];
  for (const b of backwards)
    out.problems.push({
      kind: 'time-order',
      sessionId: b.id,
      message: `session ${b.id}: ${b.n} message(s) stamped earlier than the one before (first at seq ${b.first})`,
    });
}

function checkSizes(db: Database.Database, out: VerifyReport): void {
  const rows = db
    .prepare(
      `SELECT session_id AS id, seq, size, length(bytes) AS len FROM frames WHERE redacted = 0 AND size <> length(bytes) ORDER BY session_id, seq`,
    )
    .all() as { id: number; seq: number; size: number; len: number }[];
  const perSession = new Map<number, number>();
  for (const r of rows) {
    const n = (perSession.get(r.id) ?? 0) + 1;
    perSession.set(r.id, n);
    if (n <= LIMIT)
      out.problems.push({
        kind: 'size-mismatch',
        sessionId: r.id,
        message: `session ${r.id}: seq ${r.seq} has size ${r.size} but ${r.len} stored bytes`,
      });
  }
  for (const [id, n] of perSession)
    if (n > LIMIT)
      out.problems.push({
        kind: 'size-mismatch',
        sessionId: id,
        message: `session ${id}: ${n - LIMIT} more size mismatches`,
      });
}
