import type Database from 'better-sqlite3';
import type { RedactRules } from '../codec/redact.js';
import type { CaptureEvent } from '../model/event.js';
import type { Frame, FrameIndex } from '../model/frame.js';
import type { SessionEnd, SessionStart } from '../model/session.js';
import { manageFrameIndexes, type FrameIndexes } from './frame-indexes.js';
import { openForWriting, settleForClose } from './open-database.js';
import { asRecordingError } from './recording-error.js';
import { createRecordSink, type KnownFrameIndex, type RecordSink } from './record-sink.js';

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

/** A writer's connection, what waits for the next transaction, and its session ids. */
interface WriterState {
  path: string;
  db: Database.Database;
  sink: RecordSink;
  indexes: FrameIndexes;
  batchFrames: number;
  /** Session ids as given → as stored. */
  ids: Map<number, number>;
  /** Ids allocated and not used yet (released at close). */
  reserved: Set<number>;
  pending: Pending[];
  /** Frames in `pending`. */
  frames: number;
  closed: boolean;
}

export function createRecordingWriter(path: string, options: RecordingWriterOptions = {}): RecordingWriter {
  const st = openWriter(path, options);
  const writer: RecordingWriter = {
    path,
    allocateSessionId: () => allocateId(st),
    addSession: (start) => addSession(st, start),
    addFrame: (frame, index) => addFrame(st, frame, index),
    endSession(end) {
      st.pending.push({ type: 'end', end: { ...end, id: st.ids.get(end.id) ?? end.id } });
    },
    write(event) {
      if (event.type === 'session-start') writer.addSession(event.session);
      else if (event.type === 'frame') writer.addFrame(event.frame);
      else writer.endSession(event.end);
    },
    flush: () => flush(st),
    close: () => closeWriter(st),
    abort: () => abortWriter(st),
  };
  return writer;
}

function openWriter(path: string, options: RecordingWriterOptions): WriterState {
  // Atomic: a rolled-back import must leave an existing file byte-identical (see 'as-is').
  const db: Database.Database = openForWriting(path, options.atomic ? { journal: 'as-is' } : {});
  try {
    // Atomic: the indexes are dropped inside the one transaction, so abort restores them.
    if (options.atomic) db.exec('BEGIN IMMEDIATE');
    const indexes = manageFrameIndexes(db, options.deferIndexLimit);
    return {
      path,
      db,
      sink: createRecordSink(db, options.redact ?? {}),
      indexes,
      batchFrames: options.batchFrames ?? 5000,
      ids: new Map(),
      reserved: new Set(),
      pending: [],
      frames: 0,
      closed: false,
    };
  } catch (err) {
    if (db.inTransaction) db.exec('ROLLBACK');
    db.close();
    throw asRecordingError(err, path);
  }
}

/** `fn`, with what SQLite throws turned into a RecordingError naming the file. */
function wrap<T>(st: WriterState, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw asRecordingError(err, st.path);
  }
}

function flush(st: WriterState): void {
  if (st.pending.length === 0) return;
  const todo = st.pending;
  st.pending = [];
  st.frames = 0;
  const { sink } = st;
  wrap(st, () =>
    sink.run(() => {
      for (const p of todo) {
        if (p.type === 'start') sink.start(p.start);
        else if (p.type === 'frame') sink.frame(p.frame, p.known);
        else sink.end(p.end);
      }
    }),
  );
}

function allocateId(st: WriterState): number {
  const [id] = wrap(st, () => st.sink.sql.reserveIds(1));
  st.reserved.add(id!);
  return id!;
}

function addSession(st: WriterState, start: SessionStart & { workerId?: string }): number {
  flush(st);
  let id = start.id;
  const taken = st.ids.has(start.id) || !wrap(st, () => st.sink.sql.idAvailable(start.id));
  if (taken && !st.reserved.has(start.id)) id = allocateId(st);
  st.reserved.delete(id);
  st.ids.set(start.id, id);
  st.pending.push({ type: 'start', start: { ...start, id } });
  return id;
}

function addFrame(st: WriterState, frame: Frame, index?: KnownFrameIndex | FrameIndex): void {
  const known: KnownFrameIndex | undefined = index && 'kind' in index ? { index } : index;
  const id = st.ids.get(frame.sessionId) ?? frame.sessionId;
  st.pending.push({
    type: 'frame',
    frame: id === frame.sessionId ? frame : { ...frame, sessionId: id },
    ...(known ? { known } : {}),
  });
  if (++st.frames >= st.batchFrames) flush(st);
}

function closeWriter(st: WriterState): void {
  if (st.closed) return;
  st.closed = true;
  const { db } = st;
  try {
    flush(st);
    wrap(st, () => st.sink.sql.releaseIds([...st.reserved]));
    wrap(st, () => st.indexes.finish());
    if (db.inTransaction) wrap(st, () => db.exec('COMMIT'));
    settleForClose(db);
  } finally {
    if (db.inTransaction) db.exec('ROLLBACK');
    db.close();
  }
}

function abortWriter(st: WriterState): void {
  if (st.closed) return;
  st.closed = true;
  st.pending = [];
  try {
    if (st.db.inTransaction) st.db.exec('ROLLBACK');
    else {
      st.sink.sql.releaseIds([...st.reserved]);
      st.indexes.finish();
    }
  } finally {
    st.db.close();
  }
}
