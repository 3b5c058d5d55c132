import { statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { createRedactor, type RedactRules } from '../codec/redact.js';
import { scanForSecrets } from '../codec/redact-scan.js';
import { messageFrame } from '../codec/compression.js';
import { checkRecordingFile, openForReading, openForWriting, settleForClose } from './open-database.js';
import { asRecordingError, RecordingError } from './recording-error.js';

/** What `redactInPlace` did (or, with `dryRun`, would do). A report is data: the CLI prints it. */
export interface RedactInPlaceReport {
  path: string;
  dryRun: boolean;
  /** Frames read. */
  frames: number;
  /** Frames whose stored bytes were (would be) replaced by a redacted version and marked redacted. */
  changed: number;
  /** `changed` per message kind. */
  changedByKind: Record<string, number>;
  /** Frames already marked redacted before this run. */
  alreadyRedacted: number;
  /** Frames that are not a decodable message (kind `unknown`): left as they are, unsearched. */
  undecodable: number;
  /** Size of the database file (plus -wal) before and after, in bytes. */
  bytesBefore: number;
  bytesAfter: number;
  /**
   * False when another connection kept the WAL from being emptied: old bytes may then
   * still be in the -wal file until that connection closes (run redact again then).
   */
  walCleared: boolean;
  /** The database file's permission bits (0o600 when only the owner can read it). */
  mode: number;
  /**
   * Credential-looking text left after redaction, in places no rule covers (see
   * codec/redact-scan.ts), grouped by field path and signature. Empty when not scanned.
   */
  hints: RedactHint[];
}

export interface RedactHint {
  path: string;
  signature: string;
  /** Frames with this hint. */
  frames: number;
  /** The first such frame. */
  example: { session: number; seq: number };
}

export interface RedactInPlaceOptions {
  /** Look for credential-looking text the rules do not cover (a full decode per frame; default true). */
  scan?: boolean;
  /** Only count what would change; open the file read-only and change nothing. */
  dryRun?: boolean;
  /** Frames per transaction (default 500): bounds memory whatever the recording's size. */
  pageSize?: number;
  /** Called after each page with frames read so far and the total. */
  onProgress?: (done: number, total: number) => void;
}

type Row = { id: number; session: number; seq: number; kind: string; compressed: number; bytes: Uint8Array };

function fileBytes(path: string): number {
  let n = 0;
  for (const p of [path, `${path}-wal`]) {
    try {
      n += statSync(p).size;
    } catch {
      // no such file: counts as 0
    }
  }
  return n;
}

/**
 * Scrub an existing recording: every frame's stored bytes go through the redactor
 * (the same one `record` uses at capture time, so markers match; gRPC-compressed frames
 * in their decompressed form), changed frames are rewritten, uncompressed, and marked
 * `redacted` (their wire `size` is kept). Then the WAL is
 * checkpointed and truncated and the database VACUUMed with `secure_delete` on, so
 * the old bytes are no longer anywhere in the file or its -wal.
 *
 * Safe to run again (markers are never re-redacted) and on recordings already made
 * with redaction on (new rules then apply to them too). The file is checked first
 * (RecordingError for a missing, foreign, newer or corrupt file, which is left
 * untouched); an older schema is migrated.
 *
 * Never while another process has the file open: a writer (record, wrap) would go on
 * adding unredacted frames after this run reported the file redacted. Every SQLite
 * connection to a WAL database holds a shared lock on its -shm file for its whole life
 * (released by the OS when the process dies, so a killed writer leaves no stale lock);
 * leaving WAL mode needs that lock exclusively. So the run first leaves WAL mode and takes
 * the file in exclusive locking mode, held until it closes: when that fails, it throws
 * RecordingError 'in-use' before writing anything. A writer that starts meanwhile waits
 * (busy_timeout), and is refused if the run outlasts that.
 * With `dryRun` the file is opened read-only and nothing is written (a live writer is fine).
 */
export function redactInPlace(
  path: string,
  rules: RedactRules = {},
  options: RedactInPlaceOptions = {},
): RedactInPlaceReport {
  const dryRun = options.dryRun ?? false;
  const pageSize = options.pageSize ?? 500;
  checkRecordingFile(path, true);
  const bytesBefore = fileBytes(path);
  const db = dryRun ? openForReading(path).db : openForWriting(path);
  try {
    if (!dryRun) claimExclusive(db, path);
    const redactor = createRedactor(rules);
    if (!dryRun) db.pragma('secure_delete = ON');
    const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    const total = count('SELECT count(*) AS n FROM frames');
    const alreadyRedacted = count('SELECT count(*) AS n FROM frames WHERE redacted = 1');
    const undecodable = count("SELECT count(*) AS n FROM frames WHERE kind = 'unknown'");
    const page = db.prepare(
      'SELECT rowid AS id, session_id AS session, seq, kind, compressed, bytes FROM frames WHERE rowid > ? ORDER BY rowid LIMIT ?',
    );
    const scan = options.scan ?? true;
    const hints = new Map<string, RedactHint>();
    const look = (row: Row, bytes: Uint8Array) => {
      for (const h of scanForSecrets(bytes)) {
        const key = `${h.path} ${h.signature}`;
        const seen = hints.get(key);
        if (seen) seen.frames++;
        else hints.set(key, { ...h, frames: 1, example: { session: row.session, seq: row.seq } });
      }
    };
    // A redacted re-encoding is stored uncompressed, as at capture time.
    const update = dryRun
      ? undefined
      : db.prepare('UPDATE frames SET bytes = ?, redacted = 1, compressed = 0 WHERE rowid = ?');
    const changedByKind: Record<string, number> = {};
    let changed = 0;
    const rewrite = (rows: Row[]) => {
      for (const row of rows) {
        // Compressed (gzip/deflate) frames are looked at in their decompressed form.
        const message = messageFrame({ bytes: row.bytes, compressed: row.compressed === 1 }).bytes;
        const out = redactor(message, row.kind);
        if (scan) look(row, out ?? message);
        if (out === null) continue;
        update?.run(out, row.id);
        changed++;
        changedByKind[row.kind] = (changedByKind[row.kind] ?? 0) + 1;
      }
    };
    const rewritePage = dryRun ? rewrite : db.transaction(rewrite).immediate;
    let last = -Infinity;
    let done = 0;
    for (;;) {
      const rows = page.all(last, pageSize) as Row[];
      if (rows.length === 0) break;
      rewritePage(rows);
      last = rows[rows.length - 1]!.id;
      done += rows.length;
      options.onProgress?.(done, total);
    }
    const walCleared = dryRun ? true : scrubFile(db);
    const sortedHints = [...hints.values()].sort(
      (a, b) => b.frames - a.frames || a.path.localeCompare(b.path),
    );
    const mode = statSync(path).mode & 0o777;
    return {
      path,
      dryRun,
      frames: done,
      changed,
      changedByKind,
      alreadyRedacted,
      undecodable,
      bytesBefore,
      bytesAfter: fileBytes(path),
      walCleared,
      mode,
      hints: sortedHints,
    };
  } catch (err) {
    throw asRecordingError(err, path);
  } finally {
    db.close();
  }
}

/** Leave WAL mode and hold the file alone until `db` closes, or throw 'in-use' (see redactInPlace). */
function claimExclusive(db: Database.Database, path: string): void {
  db.pragma('busy_timeout = 0');
  db.pragma('locking_mode = EXCLUSIVE');
  let mode: unknown;
  try {
    mode = db.pragma('journal_mode = DELETE', { simple: true });
    if (mode === 'delete') db.exec('BEGIN EXCLUSIVE; COMMIT');
  } catch (err) {
    if ((err as { code?: string }).code !== 'SQLITE_BUSY') throw err;
    mode = 'busy';
  }
  if (mode !== 'delete') {
    throw new RecordingError(
      `${path} is open in another process (a record or wrap still writing to it?): stop it, then run redact again`,
      'in-use',
      path,
    );
  }
  db.pragma('busy_timeout = 10000');
}

/**
 * Old page images live in the main file (free pages) and in the WAL: move everything
 * into the main file, rebuild it without free pages, and empty the WAL again. Returns
 * false when another connection kept the WAL from being emptied.
 */
function scrubFile(db: Database.Database): boolean {
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.exec('VACUUM');
  const [cp] = db.pragma('wal_checkpoint(TRUNCATE)') as Array<{
    busy: number;
    log: number;
    checkpointed: number;
  }>;
  const cleared = cp !== undefined && cp.busy === 0;
  // Back to one self-contained file, as every writer leaves a recording it closes.
  if (cleared) settleForClose(db);
  return cleared;
}
