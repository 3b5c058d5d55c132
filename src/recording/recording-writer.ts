import type Database from 'better-sqlite3';
import type { RedactRules } from '../codec/redact.js';
import type { CaptureEvent } from '../model/event.js';
import type { Frame, FrameIndex } from '../model/frame.js';
import type { SessionEnd, SessionStart } from '../model/session.js';
import { manageFrameIndexes, type FrameIndexes } from './frame-indexes.js';
import { openForWriting, settleForClose } from './open-database.js';
import { asRecordingError } from './recording-error.js';
import { createRecordSink, type KnownFrameIndex } from './record-sink.js';

export interface RecordingWriterOptions {
  /** Redaction rules (default: the built-in ones); `false` stores bytes as given (import). */
  redact?: RedactRules | false;
  /** Frames per transaction. */
  batchFrames?: number;
  /**
   * All or nothing: everything goes into one transaction, committed by `close` and
   * discarded by `abort` (import uses this so a bad line leaves the file as it was, byte
   * for byte: the file keeps its journal mode while the transaction is open, and a
   * rollback journal restores every page it spilled). Memory stays bounded: SQLite spills
   * the open transaction to the file (or to the WAL, for a file in WAL mode).
   */
  atomic?: boolean;
  /** See CaptureStoreTuning.deferIndexLimit (default DEFER_LIMIT). */
  deferIndexLimit?: number;
}

/**
 * A synchronous recording writer for import and for replay's `--record`: same schema,
 * same SQL and the same indexing as the live capture store, on the caller's thread.
 * Events are committed in transactions of `batchFrames`; `flush`/`close` commit the rest.
 * Like the capture store it leaves the secondary indexes of a small file out until
 * `close` (or `abort`, when not atomic) builds them (frame-indexes.ts).
 *
 * Session ids: `addSession` keeps `start.id` when the database has no such session yet,
 * otherwise it takes the next free id; it returns the id used, and later frames and the
 * end given with the original id are filed under it.
 */
export interface RecordingWriter {
  readonly path: string;
  allocateSessionId(): number;
  addSession(start: SessionStart & { workerId?: string }): number;
  /**
   * Add a frame. `index` is optional: a FrameIndex (e.g. from `describe`) or what import
   * knows (redacted, wire size); by default the bytes are indexed here.
   */
  addFrame(frame: Frame, index?: KnownFrameIndex | FrameIndex): void;
  endSession(end: SessionEnd): void;
  /** The same as an EventSink (e.g. for replay's `--record`). */
  write(event: CaptureEvent): void;
  flush(): void;
  close(): void;
  /** Discard everything not yet committed (all of it, when atomic) and close. */
  abort(): void;
}

type Pending =
  | { type: 'start'; start: SessionStart & { workerId?: string } }
  | { type: 'frame'; frame: Frame; known?: KnownFrameIndex }
  | { type: 'end'; end: SessionEnd };

export function createRecordingWriter(path: string, options: RecordingWriterOptions = {}): RecordingWriter {
  // Atomic: a rolled-back import must leave an existing file byte-identical (see 'as-is').
  const db: Database.Database = openForWriting(path, options.atomic ? { journal: 'as-is' } : {});
  const sink = createRecordSink(db, options.redact ?? {});
  const batchFrames = options.batchFrames ?? 5000;
  const ids = new Map<number, number>();
  const reserved = new Set<number>();
  let pending: Pending[] = [];
  let frames = 0;
  let closed = false;
  let indexes: FrameIndexes;
  try {
    // Atomic: the indexes are dropped inside the one transaction, so abort restores them.
    if (options.atomic) db.exec('BEGIN IMMEDIATE');
    indexes = manageFrameIndexes(db, options.deferIndexLimit);
  } catch (err) {
    if (db.inTransaction) db.exec('ROLLBACK');
    db.close();
    throw asRecordingError(err, path);
  }

  const wrap = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      throw asRecordingError(err, path);
    }
  };
  const mapped = (id: number): number => ids.get(id) ?? id;

  function flush(): void {
    if (pending.length === 0) return;
    const todo = pending;
    pending = [];
    frames = 0;
    wrap(() =>
      sink.run(() => {
        for (const p of todo) {
          if (p.type === 'start') sink.start(p.start);
          else if (p.type === 'frame') sink.frame(p.frame, p.known);
          else sink.end(p.end);
        }
      }),
    );
  }

  const writer: RecordingWriter = {
    path,
    allocateSessionId() {
      const [id] = wrap(() => sink.sql.reserveIds(1));
      reserved.add(id!);
      return id!;
    },
    addSession(start) {
      flush();
      let id = start.id;
      const taken = ids.has(start.id) || !wrap(() => sink.sql.idAvailable(start.id));
      if (taken && !reserved.has(start.id)) {
        id = writer.allocateSessionId();
      }
      reserved.delete(id);
      ids.set(start.id, id);
      pending.push({ type: 'start', start: { ...start, id } });
      return id;
    },
    addFrame(frame, index) {
      const known: KnownFrameIndex | undefined = index && 'kind' in index ? { index } : index;
      const id = mapped(frame.sessionId);
      pending.push({
        type: 'frame',
        frame: id === frame.sessionId ? frame : { ...frame, sessionId: id },
        ...(known ? { known } : {}),
      });
      if (++frames >= batchFrames) flush();
    },
    endSession(end) {
      pending.push({ type: 'end', end: { ...end, id: mapped(end.id) } });
    },
    write(event) {
      if (event.type === 'session-start') writer.addSession(event.session);
      else if (event.type === 'frame') writer.addFrame(event.frame);
      else writer.endSession(event.end);
    },
    flush,
    close() {
      if (closed) return;
      closed = true;
      try {
        flush();
        wrap(() => sink.sql.releaseIds([...reserved]));
        wrap(() => indexes.finish());
        if (db.inTransaction) wrap(() => db.exec('COMMIT'));
        settleForClose(db);
      } finally {
        if (db.inTransaction) db.exec('ROLLBACK');
        db.close();
      }
    },
    abort() {
      if (closed) return;
      closed = true;
      pending = [];
      try {
        if (db.inTransaction) db.exec('ROLLBACK');
        else {
          sink.sql.releaseIds([...reserved]);
          indexes.finish();
        }
      } finally {
        db.close();
      }
    },
  };
  return writer;
}
