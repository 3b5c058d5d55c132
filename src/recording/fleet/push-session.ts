import type pg from 'pg';
import copyStreams from 'pg-copy-streams';
import type { SessionInfo } from '../../model/session.js';
import type { PageSource } from './push-pages.js';
import { type PushRow, R, toHost } from './push-row.js';
import { copyPages, FRAME_COPY_SQL } from './copy-rows.js';
import { copyWindow, feedCopy } from './copy-feed.js';
import { invocationFold, UPSERT_INVOCATIONS } from './invocation-fold.js';
import { ensurePartition } from './pg-schema.js';
import { storeSessionEnd } from './rollups.js';

/** What one push of one session did. */
export interface SessionPush {
  id: number;
  uuid: string;
  /** Frames sent now (0 when the database had them all). */
  frames: number;
  /** Bytes of those frames as stored (the messages, not the COPY text). */
  bytes: number;
  /** The database now holds the whole session, its end included. */
  complete: boolean;
  /** Another push was sending the same frames at the same moment: this one stopped for now. */
  raced?: boolean;
}

/** Frames per transaction: a killed push loses at most this much work, never leaves part of it. */
export const PUSH_CHUNK_FRAMES = 50_000;

const upsertHead = `
INSERT INTO functape_sessions (uuid, host, local_id, start_time, start_wall_ms, label, upstream, path, metadata,
  functape_version, schema_version, worker_id, redact_off)
VALUES ($1, $2, $3, to_timestamp($4::double precision / 1000), $4, $5, $6, $7, $8, $9, $10, $11, $12)
ON CONFLICT (uuid) DO UPDATE SET worker_id = coalesce(functape_sessions.worker_id, excluded.worker_id)
RETURNING next_seq, end_reason IS NOT NULL AS ended, start_time::text AS start_time,
  ((extract(epoch FROM start_time) - 946684800) * 1000000)::bigint::text AS start_us`;

/**
 * Push one session of a recording: its row, then the frames the database does not have yet (those
 * from its `next_seq` on), each chunk in one transaction with COPY that also moves next_seq
 * and the counts, then the end once it is known locally. Idempotent and resumable: a push
 * killed or cut off at any point leaves whole chunks, and the next one goes on from there;
 * two pushes of one session at once cannot both commit a chunk (the second sees next_seq moved,
 * or the primary key, and stops with `raced`). Only reads the recording (`source`).
 */
export async function pushSession(
  client: pg.Client,
  source: PageSource,
  s: SessionInfo & { uuid: string },
  host: string,
  chunkFrames = PUSH_CHUNK_FRAMES,
): Promise<SessionPush> {
  const result: SessionPush = { id: s.id, uuid: s.uuid, frames: 0, bytes: 0, complete: false };
  // The end as it was before reading frames: once ended, every frame is already stored.
  const ended = s.end;
  await ensurePartition(client, s.startWallMs);
  const head = (
    await client.query(upsertHead, [
      s.uuid,
      host,
      s.id,
      s.startWallMs,
      s.label ?? null,
      s.upstream,
      s.path,
      JSON.stringify(s.metadata),
      s.functapeVersion,
      s.schemaVersion,
      s.workerId ?? null,
      s.redactOff === true,
    ])
  ).rows[0] as { next_seq: string; ended: boolean; start_time: string; start_us: string };
  if (head.ended) return { ...result, complete: true };
  let next = Number(head.next_seq);
  // Exactly the row's value (to the microsecond), the frames' partition key: as text for SQL,
  // as microseconds since 2000-01-01 for COPY's binary format.
  const start = { text: head.start_time, us: BigInt(head.start_us) };
  for (;;) {
    const sent = await pushChunk(client, source, s.id, s.uuid, start, next, chunkFrames);
    if (sent === 'raced') return { ...result, raced: true };
    result.frames += sent.frames;
    result.bytes += sent.bytes;
    if (sent.frames < chunkFrames) break;
    next = sent.next;
  }
  if (ended) {
    await storeSessionEnd(client, s.uuid, ended, s.workerId);
    result.complete = true;
  }
  return result;
}

/** The size of the buffers rows are written in: small enough that the socket is topped up often. */
const COPY_BUFFER_BYTES = 256 << 10;

type Chunk = { frames: number; bytes: number; next: number } | 'raced';

/** Up to `max` frames from seq `from` on, in one transaction with the session row's next_seq. */
async function pushChunk(
  client: pg.Client,
  source: PageSource,
  id: number,
  uuid: string,
  start: { text: string; us: bigint },
  from: number,
  max: number,
): Promise<Chunk> {
  const counts = { toHost: 0, toWorker: 0, frames: 0, bytes: 0, next: from };
  const invocations = invocationFold();
  const count = (r: PushRow, status: number | undefined) => {
    invocations.add(r, status);
    if (toHost(r)) counts.toHost++;
    else counts.toWorker++;
    const bytes = r[R.bytes];
    counts.bytes += typeof bytes === 'number' ? bytes : bytes.byteLength;
    counts.frames++;
    counts.next = r[R.seq] + 1;
  };
  await client.query('BEGIN');
  try {
    const moved = await client.query(
      'UPDATE functape_sessions SET pushed_at = now() WHERE uuid = $1 AND next_seq = $2',
      [uuid, from],
    );
    if (moved.rowCount !== 1) {
      await client.query('ROLLBACK');
      return 'raced';
    }
    const copy = client.query(copyStreams.from(FRAME_COPY_SQL, copyWindow));
    await feedCopy(copy, copyPages(uuid, start.us, source(id, from, max), count, COPY_BUFFER_BYTES));
    await client.query(
      `UPDATE functape_sessions SET next_seq = $2, to_host = to_host + $3, to_worker = to_worker + $4
       WHERE uuid = $1`,
      [uuid, counts.next, counts.toHost, counts.toWorker],
    );
    await client.query(UPSERT_INVOCATIONS, [uuid, start.text, ...invocations.params()]);
    await client.query('COMMIT');
    return counts;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    if ((err as { code?: string }).code === '23505') return 'raced';
    throw err;
  }
}
