import type pg from 'pg';
import type { FrameIndex } from '../../model/frame.js';
import { openRecording } from '../open-recording.js';
import { isRecordingYet } from '../open-database.js';
import { createRecordingWriter } from '../recording-writer.js';
import {
  FRAME_SELECT,
  type FleetFrameRow,
  type FleetSession,
  type FleetSessionRow,
  toFleetSession,
  toStoredFrame,
} from './fleet-rows.js';

/** Rows per query when reading a session's frames (keyset pages). */
const PAGE = 5000;

export interface PulledSession {
  uuid: string;
  /** The id it has in the local file (its id on its host when that one was free). */
  id: number;
  frames: number;
  /** It was in the local file already (same uuid): left as it was. */
  present?: boolean;
}

/** The fleet's session rows for these uuids, in the order asked; unknown uuids are listed in `missing`. */
export async function fleetSessionsByUuid(
  client: pg.Client,
  uuids: readonly string[],
): Promise<{ sessions: FleetSession[]; missing: string[] }> {
  const valid = uuids.filter((u) =>
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(u),
  );
  const rows = (await client.query('SELECT * FROM functape_sessions WHERE uuid = ANY($1::uuid[])', [valid]))
    .rows as FleetSessionRow[];
  const byUuid = new Map(rows.map((r) => [r.uuid, toFleetSession(r)]));
  const sessions: FleetSession[] = [];
  const missing: string[] = [];
  for (const u of uuids) {
    const s = byUuid.get(u.toLowerCase());
    if (s) sessions.push(s);
    else missing.push(u);
  }
  return { sessions, missing };
}

/**
 * Bring fleet sessions into the recording at `path` (created if missing) as they were
 * recorded: same uuid, same frames, bytes, times and end, so `export` gives the original's
 * bytes. A session already there (same uuid) is left alone.
 */
export async function pullSessions(
  client: pg.Client,
  sessions: readonly FleetSession[],
  path: string,
): Promise<PulledSession[]> {
  const have = new Set<string>();
  if (isRecordingYet(path)) {
    const rec = openRecording(path);
    for (const s of rec.sessions()) if (s.uuid) have.add(s.uuid);
    rec.close();
  }
  const writer = createRecordingWriter(path, { redact: false });
  const out: PulledSession[] = [];
  try {
    for (const s of sessions) {
      if (have.has(s.uuid)) {
        out.push({ uuid: s.uuid, id: s.id, frames: 0, present: true });
        continue;
      }
      const { host: _host, end, counts: _counts, ...start } = s;
      const id = writer.addSession(start);
      let frames = 0;
      for (let after = -1; ; ) {
        const rows = (
          await client.query(
            `SELECT ${FRAME_SELECT} FROM functape_frames
             WHERE session_uuid = $1 AND start_time = to_timestamp($2::double precision / 1000)
               AND seq > $3 ORDER BY seq LIMIT ${PAGE}`,
            [s.uuid, s.startWallMs, after],
          )
        ).rows as FleetFrameRow[];
        for (const r of rows) {
          const f = toStoredFrame(s.id, r);
          const index: FrameIndex = { kind: f.kind };
          if (f.requestId !== undefined) index.requestId = f.requestId;
          if (f.invocationId !== undefined) index.invocationId = f.invocationId;
          if (f.functionId !== undefined) index.functionId = f.functionId;
          if (f.decodeError !== undefined) index.decodeError = f.decodeError;
          writer.addFrame(f, { index, redacted: f.redacted, size: f.size });
        }
        frames += rows.length;
        if (rows.length < PAGE) break;
        after = rows[rows.length - 1]!.seq;
      }
      if (end) writer.endSession(end);
      out.push({ uuid: s.uuid, id, frames });
    }
    writer.close();
  } catch (err) {
    writer.abort();
    throw err;
  }
  return out;
}
