import type { StoredFrame } from '../../model/frame.js';
import { invocationStatus } from '../../codec/invocation-status.js';

/** The columns of functape_frames, in the order `frameRow` writes them. */
export const FRAME_COPY_COLUMNS =
  'session_uuid, start_time, seq, dir_seq, direction, t_ns, wall_ms, compressed, kind, request_id, ' +
  'invocation_id, function_id, size, redacted, decode_error, status, bytes';

const SPECIAL = /[\\\n\r\t]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** A value in COPY's text format: `\N` for none, the four special characters escaped. */
function text(v: string | undefined): string {
  return v === undefined ? '\\N' : v.replace(SPECIAL, (c) => ESCAPES[c]!);
}

/**
 * One frame as a line of COPY text format. Every value is written exactly: the bytes as
 * bytea hex, the wall time as the shortest decimal that reads back as the same double,
 * t_ns as an integer. `status` is read out of an invocationResponse's bytes here, so that
 * `stats` can count failures in SQL without decoding messages.
 */
export function frameRow(uuid: string, startTime: string, f: StoredFrame): string {
  const status = f.kind === 'invocationResponse' && !f.compressed ? invocationStatus(f.bytes) : undefined;
  const hex = Buffer.from(f.bytes.buffer, f.bytes.byteOffset, f.bytes.byteLength).toString('hex');
  return `${uuid}\t${startTime}\t${f.seq}\t${f.dirSeq}\t${text(f.direction)}\t${f.tNs}\t${f.wallMs}\t${
    f.compressed ? 't' : 'f'
  }\t${text(f.kind)}\t${text(f.requestId)}\t${text(f.invocationId)}\t${text(f.functionId)}\t${f.size}\t${
    f.redacted ? 't' : 'f'
  }\t${text(f.decodeError)}\t${status ?? '\\N'}\t\\\\x${hex}\n`;
}
