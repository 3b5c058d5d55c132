import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { Frame, FrameIndex } from '../model/frame.js';
import type { SessionEnd, SessionStart } from '../model/session.js';

/**
 * Every SQL statement that writes a recording, shared by the threaded capture writer
 * and the synchronous writer (import, replay --record). Callers own transactions.
 *
 * Invariants kept here: a session row's per-direction counts equal its stored frames
 * (counts are added in the same transaction as the frames); worker_id is set once,
 * from the session's first startStream.
 */
export interface RecordSql {
  /** Reserve `n` fresh session ids (rows with no start yet), in one transaction. */
  reserveIds(n: number): number[];
  /** Delete reserved rows that never became sessions. */
  releaseIds(ids: readonly number[]): void;
  /** True when `id` is free or only reserved. */
  idAvailable(id: number): boolean;
  /** Write the session row (filling a reserved row, or inserting), with `start.uuid` or a new random one. */
  startSession(start: SessionStart): void;
  /** `stored`: the bytes to keep (`frame.bytes` or their redacted re-encoding); `size`: the wire size. */
  insertFrame(frame: Frame, index: FrameIndex, stored: Uint8Array, redacted: boolean, size: number): void;
  /** Add to the stored counts of a session (call in the frames' transaction). */
  addCounts(sessionId: number, toHost: number, toWorker: number): void;
  setWorkerId(sessionId: number, workerId: string): void;
  endSession(end: SessionEnd): void;
  /** Raise the unstored count to at least `n`. */
  noteUnstored(sessionId: number, n: number): void;
}

const json = (v: unknown): string => JSON.stringify(v ?? {});

export function createRecordSql(db: Database.Database): RecordSql {
  const reserve = db.prepare(
    `INSERT INTO sessions (id) SELECT coalesce(max(id), 0) + 1 FROM sessions RETURNING id`,
  );
  const release = db.prepare(`DELETE FROM sessions WHERE id = ? AND start_wall_ms IS NULL`);
  const lookup = db.prepare(`SELECT start_wall_ms AS s FROM sessions WHERE id = ?`);
  const upsertStart = db.prepare(`
    INSERT INTO sessions (id, start_wall_ms, label, upstream, path, metadata, functape_version, schema_version,
      uuid, redact_off)
    VALUES (@id, @startWallMs, @label, @upstream, @path, @metadata, @functapeVersion, @schemaVersion,
      @uuid, @redactOff)
    ON CONFLICT (id) DO UPDATE SET start_wall_ms = excluded.start_wall_ms, label = excluded.label,
      upstream = excluded.upstream, path = excluded.path, metadata = excluded.metadata,
      functape_version = excluded.functape_version, schema_version = excluded.schema_version,
      uuid = excluded.uuid, redact_off = excluded.redact_off`);
  const insert = db.prepare(`
    INSERT INTO frames (session_id, seq, dir_seq, direction, t_ns, wall_ms, compressed, kind,
      request_id, invocation_id, function_id, size, redacted, decode_error, bytes)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  // The usual frame (not compressed, not redacted, decoded): three fewer parameters to bind.
  const insertPlain = db.prepare(`
    INSERT INTO frames (session_id, seq, dir_seq, direction, t_ns, wall_ms, compressed, kind,
      request_id, invocation_id, function_id, size, redacted, decode_error, bytes)
    VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, 0, NULL, ?)`);
  const counts = db.prepare(
    `UPDATE sessions SET to_host = to_host + ?, to_worker = to_worker + ? WHERE id = ?`,
  );
  const worker = db.prepare(`UPDATE sessions SET worker_id = ? WHERE id = ? AND worker_id IS NULL`);
  const end = db.prepare(`
    UPDATE sessions SET end_ns = @endNs, end_wall_ms = @endWallMs, end_reason = @reason,
      status_code = @code, status_details = @details, status_metadata = @trailers,
      unstored = max(unstored, @unstored)
    WHERE id = @id`);
  const unstored = db.prepare(`UPDATE sessions SET unstored = max(unstored, ?) WHERE id = ?`);

  return {
    reserveIds(n) {
      const ids: number[] = [];
      db.transaction(() => {
        for (let i = 0; i < n; i++) ids.push((reserve.get() as { id: number }).id);
      }).immediate();
      return ids;
    },
    releaseIds(ids) {
      if (ids.length === 0) return;
      db.transaction(() => {
        for (const id of ids) release.run(id);
      })();
    },
    idAvailable(id) {
      const row = lookup.get(id) as { s: number | null } | undefined;
      return row === undefined || row.s === null;
    },
    startSession(s) {
      upsertStart.run({
        id: s.id,
        startWallMs: s.startWallMs,
        label: s.label ?? null,
        upstream: s.upstream ?? '',
        path: s.path ?? '',
        metadata: json(s.metadata),
        functapeVersion: s.functapeVersion ?? '',
        schemaVersion: s.schemaVersion ?? '',
        uuid: s.uuid ?? randomUUID(),
        redactOff: s.redactOff ? 1 : 0,
      });
    },
    insertFrame(f, x, stored, redacted, size) {
      if (!f.compressed && !redacted && x.decodeError === undefined) {
        insertPlain.run(
          f.sessionId,
          f.seq,
          f.dirSeq,
          f.direction,
          f.tNs,
          f.wallMs,
          x.kind,
          x.requestId ?? null,
          x.invocationId ?? null,
          x.functionId ?? null,
          size,
          stored,
        );
        return;
      }
      insert.run(
        f.sessionId,
        f.seq,
        f.dirSeq,
        f.direction,
        f.tNs,
        f.wallMs,
        f.compressed ? 1 : 0,
        x.kind,
        x.requestId ?? null,
        x.invocationId ?? null,
        x.functionId ?? null,
        size,
        redacted ? 1 : 0,
        x.decodeError ?? null,
        stored,
      );
    },
    addCounts(sessionId, toHost, toWorker) {
      counts.run(toHost, toWorker, sessionId);
    },
    setWorkerId(sessionId, workerId) {
      worker.run(workerId, sessionId);
    },
    endSession(e) {
      end.run({
        id: e.id,
        endNs: e.endNs,
        endWallMs: e.endWallMs,
        reason: e.reason,
        code: e.status?.code ?? null,
        details: e.status?.details ?? null,
        trailers: e.status?.metadata ? json(e.status.metadata) : null,
        unstored: e.unstored ?? 0,
      });
    },
    noteUnstored(sessionId, n) {
      unstored.run(n, sessionId);
    },
  };
}
