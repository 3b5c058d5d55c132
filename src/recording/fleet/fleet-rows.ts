import type { Direction, StoredFrame } from '../../model/frame.js';
import type { EndReason, Metadata, SessionInfo } from '../../model/session.js';

/** A functape_sessions row as pg returns it (bigints as strings). */
export interface FleetSessionRow {
  uuid: string;
  host: string;
  local_id: number;
  start_wall_ms: number;
  label: string | null;
  upstream: string;
  path: string;
  metadata: string;
  functape_version: string;
  schema_version: string;
  worker_id: string | null;
  to_host: string;
  to_worker: string;
  unstored: string;
  end_ns: string | null;
  end_wall_ms: number | null;
  end_reason: string | null;
  status_code: number | null;
  status_details: string | null;
  status_metadata: string | null;
  redact_off: boolean;
}

/** A session of the fleet: what a recording says of it, plus the host that pushed it. */
export interface FleetSession extends SessionInfo {
  uuid: string;
  host: string;
}

function parseMetadata(text: string | null): Metadata {
  if (!text) return {};
  try {
    return JSON.parse(text) as Metadata;
  } catch {
    return {};
  }
}

/** The row as the same SessionInfo the SQLite reader gives (id: the session's id on its host). */
export function toFleetSession(r: FleetSessionRow): FleetSession {
  const s: FleetSession = {
    id: r.local_id,
    uuid: r.uuid,
    host: r.host,
    startWallMs: r.start_wall_ms,
    upstream: r.upstream,
    path: r.path,
    metadata: parseMetadata(r.metadata),
    functapeVersion: r.functape_version,
    schemaVersion: r.schema_version,
    counts: { toHost: Number(r.to_host), toWorker: Number(r.to_worker) },
  };
  if (r.label !== null) s.label = r.label;
  if (r.worker_id !== null) s.workerId = r.worker_id;
  if (r.redact_off) s.redactOff = true;
  if (r.end_reason !== null) {
    s.end = {
      id: s.id,
      endNs: BigInt(r.end_ns ?? '0'),
      endWallMs: r.end_wall_ms ?? r.start_wall_ms,
      status:
        r.status_code === null
          ? null
          : {
              code: r.status_code,
              details: r.status_details ?? '',
              ...(r.status_metadata ? { metadata: parseMetadata(r.status_metadata) } : {}),
            },
      reason: r.end_reason as EndReason,
    };
    if (Number(r.unstored) > 0) s.end.unstored = Number(r.unstored);
  }
  return s;
}

/** functape_frames columns read back, in the order `toStoredFrame` takes them. */
export const FRAME_SELECT =
  'seq, dir_seq, direction, t_ns::text AS t_ns, wall_ms, compressed, kind, request_id, invocation_id, ' +
  'function_id, size, redacted, decode_error, bytes';

export interface FleetFrameRow {
  seq: number;
  dir_seq: number;
  direction: string;
  t_ns: string;
  wall_ms: number;
  compressed: boolean;
  kind: string;
  request_id: string | null;
  invocation_id: string | null;
  function_id: string | null;
  size: number;
  redacted: boolean;
  decode_error: string | null;
  bytes: Buffer;
}

export function toStoredFrame(sessionId: number, r: FleetFrameRow): StoredFrame {
  const f: StoredFrame = {
    sessionId,
    seq: r.seq,
    dirSeq: r.dir_seq,
    direction: r.direction as Direction,
    tNs: BigInt(r.t_ns),
    wallMs: r.wall_ms,
    compressed: r.compressed,
    kind: r.kind,
    size: r.size,
    redacted: r.redacted,
    bytes: r.bytes,
  };
  if (r.request_id !== null) f.requestId = r.request_id;
  if (r.invocation_id !== null) f.invocationId = r.invocation_id;
  if (r.function_id !== null) f.functionId = r.function_id;
  if (r.decode_error !== null) f.decodeError = r.decode_error;
  return f;
}
