import { statSync } from 'node:fs';
import { createRedactor, type RedactRules } from '../codec/redact.js';
import { checkRecordingFile, openForWriting } from './open-database.js';
import { asRecordingError } from './recording-error.js';

/** What `redactInPlace` did. A report is data: the CLI prints it. */
export interface RedactInPlaceReport {
  path: string;
  /** Frames read. */
  frames: number;
  /** Frames whose stored bytes were replaced by a redacted version (now marked redacted). */
  changed: number;
  /** Frames already marked redacted before this run. */
  alreadyRedacted: number;
  /** Size of the database file (plus -wal) before and after, in bytes. */
  bytesBefore: number;
  bytesAfter: number;
  /**
   * False when another connection kept the WAL from being emptied: old bytes may then
   * still be in the -wal file until that connection closes (run redact again then).
   */
  walCleared: boolean;
}

export interface RedactInPlaceOptions {
  /** Frames per transaction (default 500): bounds memory whatever the recording's size. */
  pageSize?: number;
  /** Called after each page with frames read so far and the total. */
  onProgress?: (done: number, total: number) => void;
}

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
 * (the same one `record` uses at capture time, so markers match), changed frames are
 * rewritten and marked `redacted` (their wire `size` is kept). Then the WAL is
 * checkpointed and truncated and the database VACUUMed with `secure_delete` on, so
 * the old bytes are no longer anywhere in the file or its -wal.
 *
 * Safe to run again (markers are never re-redacted) and on recordings already made
 * with redaction on (new rules then apply to them too). The file is checked first
 * (RecordingError for a missing, foreign, newer or corrupt file, which is left
 * untouched); an older schema is migrated. Run it on a recording nobody is writing to.
 */
export function redactInPlace(path: string, rules: RedactRules = {}, options: RedactInPlaceOptions = {}): RedactInPlaceReport {
  const pageSize = options.pageSize ?? 500;
  checkRecordingFile(path, true);
  const db = openForWriting(path);
  try {
    const bytesBefore = fileBytes(path);
    const redactor = createRedactor(rules);
    db.pragma('secure_delete = ON');
    const total = (db.prepare('SELECT count(*) AS n FROM frames').get() as { n: number }).n;
    const alreadyRedacted = (db.prepare('SELECT count(*) AS n FROM frames WHERE redacted = 1').get() as { n: number }).n;
    const page = db.prepare('SELECT rowid AS id, kind, bytes FROM frames WHERE rowid > ? ORDER BY rowid LIMIT ?');
    const update = db.prepare('UPDATE frames SET bytes = ?, redacted = 1 WHERE rowid = ?');
    let last = -Infinity;
    let done = 0;
    let changed = 0;
    const rewritePage = db.transaction((rows: Array<{ id: number; kind: string; bytes: Uint8Array }>) => {
      for (const row of rows) {
        const out = redactor(row.bytes, row.kind);
        if (out !== null) {
          update.run(out, row.id);
          changed++;
        }
      }
    });
    for (;;) {
      const rows = page.all(last, pageSize) as Array<{ id: number; kind: string; bytes: Uint8Array }>;
      if (rows.length === 0) break;
      rewritePage.immediate(rows);
      last = rows[rows.length - 1]!.id;
      done += rows.length;
      options.onProgress?.(done, total);
    }
    // Old page images live in the main file (free pages) and in the WAL: move everything
    // into the main file, rebuild it without free pages, and empty the WAL again.
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.exec('VACUUM');
    const [cp] = db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number; log: number; checkpointed: number }>;
    const walCleared = cp !== undefined && cp.busy === 0;
    return { path, frames: done, changed, alreadyRedacted, bytesBefore, bytesAfter: fileBytes(path), walCleared };
  } catch (err) {
    throw asRecordingError(err, path);
  } finally {
    db.close();
  }
}
