import type { StoredFrame } from '../../model/frame.js';
import { invocationStatus } from '../../codec/invocation-status.js';

/** The columns of functape_frames, in the order `copyRows` writes them. */
export const FRAME_COPY_COLUMNS =
  'session_uuid, start_time, seq, dir_seq, direction, t_ns, wall_ms, compressed, kind, request_id, ' +
  'invocation_id, function_id, size, redacted, decode_error, status, bytes';

/** The COPY statement that reads what `copyRows` writes. */
export const FRAME_COPY_SQL = `COPY functape_frames (${FRAME_COPY_COLUMNS}) FROM STDIN WITH (FORMAT binary)`;

const FIELDS = 17;
/** Signature, flags (no OIDs), header extension length: the binary format's fixed header. */
const HEADER = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
/** A field count of -1 ends the data. */
const TRAILER = Buffer.from([0xff, 0xff]);
/** Every fixed-size field of a row with its length word, and the field count: an upper bound. */
const ROW_FIXED = 2 + FIELDS * 4 + 16 + 8 + 4 + 4 + 8 + 8 + 1 + 4 + 1 + 2;

/**
 * Frames of one session as COPY's binary format (`FRAME_COPY_SQL`), in buffers of about
 * `bufferBytes`: the header first, the trailer after the last frame. Values go as the server
 * stores them, exactly: the uuid's 16 bytes, start_time as microseconds since 2000-01-01 UTC
 * (`startUs`, the session row's own value), t_ns and the wall time's double unchanged, the
 * message bytes as they are (no hex, no escaping). `status` is read out of an
 * invocationResponse's bytes here (NULL when absent or not a smallint), so that `stats` can
 * count failures in SQL without decoding messages. `onFrame` sees each frame as it is written, with that status.
 */
export function* copyRows(
  uuid: string,
  startUs: bigint,
  frames: Iterable<StoredFrame>,
  onFrame: (f: StoredFrame, status: number | undefined) => void,
  bufferBytes = 1 << 20,
): Generator<Buffer> {
  const id = Buffer.from(uuid.replaceAll('-', ''), 'hex');
  let buf = Buffer.allocUnsafe(bufferBytes);
  HEADER.copy(buf);
  let at = HEADER.length;
  const text = (v: string | undefined) => {
    if (v === undefined) at = buf.writeInt32BE(-1, at);
    else {
      const n = buf.write(v, at + 4, 'utf8');
      buf.writeInt32BE(n, at);
      at += 4 + n;
    }
  };
  for (const f of frames) {
    const strings =
      f.direction.length +
      f.kind.length +
      (f.requestId?.length ?? 0) +
      (f.invocationId?.length ?? 0) +
      (f.functionId?.length ?? 0) +
      (f.decodeError?.length ?? 0);
    // a UTF-16 unit is at most 3 bytes of UTF-8
    const need = ROW_FIXED + 3 * strings + f.bytes.byteLength;
    if (at + need > buf.length) {
      yield buf.subarray(0, at);
      buf = Buffer.allocUnsafe(Math.max(bufferBytes, need + TRAILER.length));
      at = 0;
    }
    at = buf.writeInt16BE(FIELDS, at);
    at = buf.writeInt32BE(16, at);
    at += id.copy(buf, at);
    at = buf.writeInt32BE(8, at);
    at = buf.writeBigInt64BE(startUs, at);
    at = buf.writeInt32BE(4, at);
    at = buf.writeInt32BE(f.seq, at);
    at = buf.writeInt32BE(4, at);
    at = buf.writeInt32BE(f.dirSeq, at);
    text(f.direction);
    at = buf.writeInt32BE(8, at);
    at = buf.writeBigInt64BE(f.tNs, at);
    at = buf.writeInt32BE(8, at);
    at = buf.writeDoubleBE(f.wallMs, at);
    at = buf.writeInt32BE(1, at);
    at = buf.writeUInt8(f.compressed ? 1 : 0, at);
    text(f.kind);
    text(f.requestId);
    text(f.invocationId);
    text(f.functionId);
    at = buf.writeInt32BE(4, at);
    at = buf.writeInt32BE(f.size, at);
    at = buf.writeInt32BE(1, at);
    at = buf.writeUInt8(f.redacted ? 1 : 0, at);
    text(f.decodeError);
    const read = f.kind === 'invocationResponse' && !f.compressed ? invocationStatus(f.bytes) : undefined;
    const status = read !== undefined && read <= 32767 ? read : undefined;
    if (status === undefined) at = buf.writeInt32BE(-1, at);
    else at = buf.writeInt16BE(status, buf.writeInt32BE(2, at));
    at = buf.writeInt32BE(f.bytes.byteLength, at);
    buf.set(f.bytes, at);
    at += f.bytes.byteLength;
    onFrame(f, status);
  }
  if (at + TRAILER.length > buf.length) {
    yield buf.subarray(0, at);
    buf = Buffer.allocUnsafe(TRAILER.length);
    at = 0;
  }
  at += TRAILER.copy(buf, at);
  yield buf.subarray(0, at);
}
