import type Database from 'better-sqlite3';
import { describeWith } from '../codec/describe.js';
import { createMessageSpans } from '../codec/message-reader.js';
import { messageFrame } from '../codec/compression.js';
import { createRedactor, type RedactRules, type Redactor } from '../codec/redact.js';
import type { Frame, FrameIndex } from '../model/frame.js';
import type { SessionEnd, SessionStart } from '../model/session.js';
import { createRecordSql, type RecordSql } from './record-sql.js';

/** Index and redaction a caller already knows (import); otherwise computed from the bytes. */
export interface KnownFrameIndex {
  index?: FrameIndex;
  /** The bytes are already a redacted re-encoding (do not redact again). */
  redacted?: boolean;
  /** Wire size when it differs from the bytes' length (redacted). */
  size?: number;
}

/**
 * What both writers do per event, inside a transaction the caller opens with `run`:
 * index the bytes (`describe`), redact them, insert, and keep the session row's counts
 * and worker id in step with the frames. Pending count updates are applied when the
 * transaction body ends and dropped if it throws, so counts never disagree with frames.
 */
export interface RecordSink {
  readonly sql: RecordSql;
  /** Run `body` in one transaction (IMMEDIATE). Throws what the body or COMMIT threw. */
  run(body: () => void): void;
  /** Write a session row; a `workerId` given with it is kept (else the first startStream's). */
  start(start: SessionStart & { workerId?: string }): void;
  frame(frame: Frame, known?: KnownFrameIndex): void;
  end(end: SessionEnd): void;
}

/** `redact`: rules for createRedactor, `false` for none, or a redactor itself (tests). */
export function createRecordSink(db: Database.Database, redact: RedactRules | false | Redactor): RecordSink {
  const sql = createRecordSql(db);
  const redactor: Redactor | null =
    redact === false ? null : typeof redact === 'function' ? redact : createRedactor(redact);
  /** Sessions whose worker id is known (stored or in this transaction). */
  const workerKnown = new Set<number>();
  let pending = new Map<number, { toHost: number; toWorker: number }>();
  let pendingWorker = new Set<number>();

  const spanOf = createMessageSpans();

  const txn = db.transaction((body: () => void) => {
    body();
    for (const [id, c] of pending) sql.addCounts(id, c.toHost, c.toWorker);
  });

  return {
    sql,
    run(body) {
      pending = new Map();
      pendingWorker = new Set();
      try {
        txn.immediate(body);
      } catch (err) {
        for (const id of pendingWorker) workerKnown.delete(id);
        throw err;
      }
    },
    start(start) {
      sql.startSession({ ...start, redactOff: start.redactOff ?? redactor === null });
      if (start.workerId !== undefined && !workerKnown.has(start.id)) {
        sql.setWorkerId(start.id, start.workerId);
        workerKnown.add(start.id);
        pendingWorker.add(start.id);
      }
    },
    frame(wire, known) {
      // A compressed message is indexed and checked for secrets in its decompressed form;
      // the wire bytes are stored unless redaction has to replace them.
      const message = messageFrame(wire);
      // One protobuf reader per batch buffer, shared by describe and redaction.
      const span = spanOf(message.bytes);
      let index = known?.index ?? describeWith(span, message.bytes);
      let stored = wire.bytes;
      let compressed = wire.compressed;
      let redacted = known?.redacted ?? false;
      if (redactor && !redacted && index.kind !== 'unknown') {
        let out: Uint8Array | null;
        try {
          out = redactor(message.bytes, index.kind, span);
        } catch (err) {
          // Never store what could not be checked for secrets, and never lose the frame's
          // place in the session: keep its index with an empty payload, marked redacted.
          out = new Uint8Array(0);
          index = {
            ...index,
            decodeError: `redaction failed, payload not stored: ${err instanceof Error ? err.message : String(err)}`,
          };
        }
        if (out) {
          stored = out;
          redacted = true;
          // The redacted re-encoding is stored uncompressed.
          compressed = false;
        }
      }
      sql.insertFrame(
        compressed === wire.compressed ? wire : { ...wire, compressed },
        index,
        stored,
        redacted,
        known?.size ?? wire.bytes.length,
      );
      const sessionId = wire.sessionId;
      let c = pending.get(sessionId);
      if (!c) pending.set(sessionId, (c = { toHost: 0, toWorker: 0 }));
      if (wire.direction === 'toHost') c.toHost++;
      else c.toWorker++;
      if (index.kind === 'startStream' && index.workerId !== undefined && !workerKnown.has(sessionId)) {
        sql.setWorkerId(sessionId, index.workerId);
        workerKnown.add(sessionId);
        pendingWorker.add(sessionId);
      }
    },
    end(end) {
      sql.endSession(end);
    },
  };
}
