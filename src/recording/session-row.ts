import type { EndReason, Metadata, SessionInfo } from '../model/session.js';

/** A sessions row as better-sqlite3 reads it (integers as bigints where they may be large). */
export interface SessionRow {
  id: number;
  start_wall_ms: number;
  label: string | null;
  upstream: string;
  path: string;
  metadata: string;
  functape_version: string;
  schema_version: string;
  worker_id: string | null;
  to_host: number;
  to_worker: number;
  unstored: number;
  end_ns: bigint | null;
  end_wall_ms: number | null;
  end_reason: string | null;
  status_code: bigint | null;
  status_details: string | null;
  status_metadata: string | null;
  uuid: string | null;
  redact_off: bigint;
}

/** The session columns of a file of schema `version` (a version-1 file has no uuid yet). */
export const sessionColumns = (
  version: number,
) => `id, start_wall_ms, label, upstream, path, metadata, functape_version,
  schema_version, worker_id, to_host, to_worker, unstored, end_ns, end_wall_ms, end_reason, status_code,
  status_details, status_metadata, ${version >= 2 ? 'uuid, redact_off' : 'NULL AS uuid, 0 AS redact_off'}`;

function parseMetadata(text: string | null): Metadata {
  if (!text) return {};
  try {
    return JSON.parse(text) as Metadata;
  } catch {
    return {};
  }
}

/** A sessions row as the SessionInfo readers give (the fleet's rows come through here too). */
export function toSession(r: SessionRow): SessionInfo {
  const s: SessionInfo = {
    id: Number(r.id),
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
  if (r.uuid !== null) s.uuid = r.uuid;
  if (Number(r.redact_off) !== 0) s.redactOff = true;
  if (r.end_reason !== null) {
    s.end = {
      id: s.id,
      endNs: r.end_ns ?? 0n,
      endWallMs: r.end_wall_ms ?? r.start_wall_ms,
      status:
        r.status_code === null
          ? null
          : {
              code: Number(r.status_code),
              details: r.status_details ?? '',
              ...(r.status_metadata ? { metadata: parseMetadata(r.status_metadata) } : {}),
            },
      reason: r.end_reason as EndReason,
    };
    if (Number(r.unstored) > 0) s.end.unstored = Number(r.unstored);
  }
  return s;
}
