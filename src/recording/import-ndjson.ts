import { existsSync } from 'node:fs';
import type { RedactRules } from '../codec/redact.js';
import type { Direction } from '../model/frame.js';
import { NdjsonError, parseLine } from '../codec/ndjson.js';
import { removeRecordingFiles } from './open-database.js';
import { createRecordingWriter } from './recording-writer.js';

export interface ImportOptions {
  /** Redact while importing (default false: the bytes are stored exactly as given). */
  redact?: RedactRules | false;
  /** Checked between lines; when it returns true the import stops and nothing is kept. */
  aborted?: () => boolean;
  /** Stored as the functape version of sessions created for lines without a session line. */
  functapeVersion?: string;
}

/** What an import did: plain data. */
export interface ImportReport {
  /** NDJSON session id → the id it got in the database (different when that id was taken). */
  sessions: Map<number, number>;
  messages: number;
}

interface SessionState {
  storedId: number;
  lastSeq: number;
  dirSeq: Record<Direction, number>;
  ended: boolean;
}

/**
 * Read export NDJSON (see ndjson.ts) into the recording at `path`, all or nothing: one
 * transaction, discarded on any error (NdjsonError names the line). The bytes are the
 * truth (kind, ids and decode errors are recomputed from them; `message` is ignored);
 * dirSeq is renumbered in line order; message lines without a session line get a bare
 * session. A failed import into a file that did not exist before leaves no file behind.
 * Used by `functape import` and by tests that load NDJSON fixtures.
 */
export async function importNdjson(
  path: string,
  lines: AsyncIterable<string> | Iterable<string>,
  options: ImportOptions = {},
): Promise<ImportReport> {
  const existed = existsSync(path);
  const writer = createRecordingWriter(path, { redact: options.redact ?? false, atomic: true });
  const sessions = new Map<number, SessionState>();
  let lineNo = 0;
  let messages = 0;
  const newSession = (id: number, storedId: number) => {
    const s: SessionState = { storedId, lastSeq: -1, dirSeq: { toHost: 0, toWorker: 0 }, ended: false };
    sessions.set(id, s);
    return s;
  };
  try {
    for await (const text of lines) {
      lineNo++;
      if (options.aborted?.()) throw new NdjsonError(lineNo, 'interrupted');
      const rec = parseLine(text, lineNo);
      if (!rec) continue;
      if (rec.type === 'session') {
        if (sessions.has(rec.session.id))
          throw new NdjsonError(lineNo, `session ${rec.session.id} appears twice`);
        newSession(rec.session.id, writer.addSession(rec.session));
      } else if (rec.type === 'frame') {
        const f = rec.frame;
        const s =
          sessions.get(f.sessionId) ??
          newSession(
            f.sessionId,
            writer.addSession({
              id: f.sessionId,
              startWallMs: f.wallMs - Number(f.tNs) / 1e6,
              upstream: '',
              path: '',
              metadata: {},
              functapeVersion: options.functapeVersion ?? '',
              schemaVersion: '',
            }),
          );
        if (s.ended)
          throw new NdjsonError(lineNo, `message of session ${f.sessionId} after its session-end line`);
        if (f.seq <= s.lastSeq)
          throw new NdjsonError(
            lineNo,
            `seq ${f.seq} of session ${f.sessionId} does not follow ${s.lastSeq}`,
          );
        s.lastSeq = f.seq;
        writer.addFrame(
          {
            sessionId: f.sessionId,
            seq: f.seq,
            dirSeq: s.dirSeq[f.direction]++,
            direction: f.direction,
            tNs: f.tNs,
            wallMs: f.wallMs,
            compressed: f.compressed,
            bytes: f.bytes,
          },
          { redacted: f.redacted, size: f.size },
        );
        messages++;
      } else {
        const s = sessions.get(rec.end.id);
        if (!s)
          throw new NdjsonError(lineNo, `session-end of session ${rec.end.id}, which has no session line`);
        if (s.ended) throw new NdjsonError(lineNo, `session ${rec.end.id} ends twice`);
        s.ended = true;
        writer.endSession(rec.end);
      }
    }
    writer.close();
  } catch (err) {
    writer.abort();
    if (!existed) removeRecordingFiles(path);
    throw err;
  }
  return { sessions: new Map([...sessions].map(([id, s]) => [id, s.storedId])), messages };
}
