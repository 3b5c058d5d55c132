import type { Direction, StoredFrame } from '../../model/frame.js';
import type { SessionInfo } from '../../model/session.js';
import { type SessionRow, toSession } from '../open-recording.js';

/** A functape_sessions row as pg returns it: the SQLite row's columns (bigints as strings), and the host. */
export type FleetSessionRow = Omit<
  SessionRow,
  'id' | 'to_host' | 'to_worker' | 'unstored' | 'end_ns' | 'status_code' | 'uuid' | 'redact_off'
> & {
  uuid: string;
  host: string;
  local_id: number;
  to_host: string;
  to_worker: string;
  unstored: string;
  end_ns: string | null;
  status_code: number | null;
  redact_off: boolean;
};

/** A session of the fleet: what a recording says of it, plus the host that pushed it. */
export interface FleetSession extends SessionInfo {
  uuid: string;
  host: string;
}

/** The row as the same SessionInfo the SQLite reader gives (id: the session's id on its host). */
export function toFleetSession(r: FleetSessionRow): FleetSession {
  const big = (v: string | number | null) => (v === null ? null : BigInt(v));
  const s = toSession({
    ...r,
    id: r.local_id,
    to_host: Number(r.to_host),
    to_worker: Number(r.to_worker),
    unstored: Number(r.unstored),
    end_ns: big(r.end_ns),
    status_code: big(r.status_code),
    redact_off: r.redact_off ? 1n : 0n,
  });
  return { ...s, uuid: r.uuid, host: r.host };
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
