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
  const prefix = rowPrefix(uuid, startUs);
  // direction and kind come from a few values: each one's length word and UTF-8, made once
  const words = new Map<string, Buffer>();
  const word = (v: string) => {
    let w = words.get(v);
    if (!w) {
      const utf8 = Buffer.from(v, 'utf8');
      w = Buffer.alloc(4 + utf8.length);
      w.writeInt32BE(utf8.length);
      utf8.copy(w, 4);
      words.set(v, w);
    }
    return w;
  };
  let buf = Buffer.allocUnsafe(bufferBytes);
  let view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  HEADER.copy(buf);
  let at = HEADER.length;
  const text = (v: string | undefined) => {
    if (v === undefined) at = buf.writeInt32BE(-1, at);
    else {
      const n = buf.write(v, at + 4, 'utf8');
      view.setInt32(at, n);
      at += 4 + n;
    }
  };
  const int = (length: number, v: number) => {
    view.setInt32(at, length);
    view.setInt32(at + 4, v);
    at += 8;
  };
  for (const f of frames) {
    const strings =
      (f.requestId?.length ?? 0) +
      (f.invocationId?.length ?? 0) +
      (f.functionId?.length ?? 0) +
      (f.decodeError?.length ?? 0);
    const direction = word(f.direction);
    const kind = word(f.kind);
    // a UTF-16 unit is at most 3 bytes of UTF-8
    const need = ROW_FIXED + direction.length + kind.length + 3 * strings + f.bytes.byteLength;
    if (at + need > buf.length) {
      yield buf.subarray(0, at);
      buf = Buffer.allocUnsafe(Math.max(bufferBytes, need + TRAILER.length));
      view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      at = 0;
    }
    buf.set(prefix, at);
    at += prefix.length;
    int(4, f.seq);
    int(4, f.dirSeq);
    buf.set(direction, at);
    at += direction.length;
    view.setInt32(at, 8);
    view.setBigInt64(at + 4, f.tNs);
    view.setInt32(at + 12, 8);
    view.setFloat64(at + 16, f.wallMs);
    view.setInt32(at + 24, 1);
    view.setUint8(at + 28, f.compressed ? 1 : 0);
    at += 29;
    buf.set(kind, at);
    at += kind.length;
    text(f.requestId);
    text(f.invocationId);
    text(f.functionId);
    int(4, f.size);
    view.setInt32(at, 1);
    view.setUint8(at + 4, f.redacted ? 1 : 0);
    at += 5;
    text(f.decodeError);
    const read = f.kind === 'invocationResponse' && !f.compressed ? invocationStatus(f.bytes) : undefined;
    const status = read !== undefined && read <= 32767 ? read : undefined;
    if (status === undefined) view.setInt32(at, -1);
    else {
      view.setInt32(at, 2);
      view.setInt16(at + 4, status);
    }
    at += status === undefined ? 4 : 6;
    view.setInt32(at, f.bytes.byteLength);
    buf.set(f.bytes, at + 4);
    at += 4 + f.bytes.byteLength;
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

/** What starts every row of a session: the field count, the uuid's 16 bytes, start_time's 8. */
function rowPrefix(uuid: string, startUs: bigint): Buffer {
  const p = Buffer.alloc(2 + 4 + 16 + 4 + 8);
  let at = p.writeInt16BE(FIELDS);
  at = p.writeInt32BE(16, at);
  at += Buffer.from(uuid.replaceAll('-', ''), 'hex').copy(p, at);
  at = p.writeInt32BE(8, at);
  p.writeBigInt64BE(startUs, at);
  return p;
}
