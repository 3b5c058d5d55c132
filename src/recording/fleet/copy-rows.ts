import type { StoredFrame } from '../../model/frame.js';
import { COMPRESSED, frameRow, type PushPage, type PushRow, R, REDACTED, rowDirection } from './push-row.js';
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
 * count failures in SQL without decoding messages. `onRow` sees each row as it is written,
 * with that status. Rows are written straight from the pages' arrays (PushRow).
 */
export function* copyPages(
  uuid: string,
  startUs: bigint,
  pages: Iterable<PushPage>,
  onRow: (r: PushRow, status: number | undefined) => void,
  bufferBytes = 1 << 20,
): Generator<Buffer> {
  const prefix = rowPrefix(uuid, startUs);
  const word = lengthWords();
  let out = new RowBuffer(bufferBytes);
  out.raw(HEADER);
  for (const page of pages) {
    let offset = 0;
    for (const r of page.rows) {
      const direction = word(rowDirection(r));
      const kind = word(r[R.kind]);
      const bytes = r[R.bytes];
      const length = typeof bytes === 'number' ? bytes : bytes.byteLength;
      const need = rowBound(r, direction, kind, length);
      if (!out.fits(need)) {
        yield out.written();
        out = new RowBuffer(Math.max(bufferBytes, need + TRAILER.length));
      }
      const message = typeof bytes === 'number' ? page.bytes!.subarray(offset, (offset += bytes)) : bytes;
      const status = responseStatus(r, message);
      writeRow(out, prefix, r, direction, kind, status, message);
      onRow(r, status);
    }
  }
  if (!out.fits(TRAILER.length)) {
    yield out.written();
    out = new RowBuffer(TRAILER.length);
  }
  out.raw(TRAILER);
  yield out.written();
}

/** copyPages of frames (a page per frame): for callers that hold frames. */
export function copyRows(
  uuid: string,
  startUs: bigint,
  frames: Iterable<StoredFrame>,
  onFrame: (f: StoredFrame, status: number | undefined) => void,
  bufferBytes = 1 << 20,
): Generator<Buffer> {
  // copyPages takes the next page only after the row before it is written (and onRow called)
  let current: StoredFrame | undefined;
  function* pages(): Generator<PushPage> {
    for (const f of frames) {
      current = f;
      yield { rows: [frameRow(f)], bytes: null };
    }
  }
  return copyPages(uuid, startUs, pages(), (_, status) => onFrame(current!, status), bufferBytes);
}

/** One row (FRAME_COPY_COLUMNS' order) after the session's `prefix`. */
function writeRow(
  out: RowBuffer,
  prefix: Buffer,
  r: PushRow,
  direction: Buffer,
  kind: Buffer,
  status: number | undefined,
  message: Uint8Array,
): void {
  const flags = r[R.flags];
  out.raw(prefix);
  out.int4(r[R.seq]);
  out.int4(r[R.dirSeq]);
  out.raw(direction);
  out.int8(r[R.tNs]);
  out.float8(r[R.wallMs]);
  out.bool((flags & COMPRESSED) !== 0);
  out.raw(kind);
  out.text(r[R.requestId]);
  out.text(r[R.invocationId]);
  out.text(r[R.functionId]);
  out.int4(r[R.size]);
  out.bool((flags & REDACTED) !== 0);
  out.text(r[R.decodeError]);
  out.int2(status);
  out.bytea(message);
}

/** At most the bytes `writeRow` writes for `r` (a UTF-16 unit is at most 3 bytes of UTF-8). */
function rowBound(r: PushRow, direction: Buffer, kind: Buffer, length: number): number {
  const strings =
    (r[R.requestId]?.length ?? 0) +
    (r[R.invocationId]?.length ?? 0) +
    (r[R.functionId]?.length ?? 0) +
    (r[R.decodeError]?.length ?? 0);
  return ROW_FIXED + direction.length + kind.length + 3 * strings + length;
}

/** An invocationResponse's status as a smallint, or undefined (NULL). */
function responseStatus(r: PushRow, message: Uint8Array): number | undefined {
  const read =
    r[R.kind] === 'invocationResponse' && (r[R.flags] & COMPRESSED) === 0
      ? invocationStatus(message)
      : undefined;
  return read !== undefined && read <= 32767 ? read : undefined;
}

/** direction and kind come from a few values: each one's length word and UTF-8, made once. */
function lengthWords(): (v: string) => Buffer {
  const words = new Map<string, Buffer>();
  return (v) => {
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
}

/** A buffer of COPY binary fields being filled: each field is its length word, then its value. */
class RowBuffer {
  private readonly buf: Buffer;
  private readonly view: DataView;
  private at = 0;

  constructor(bytes: number) {
    this.buf = Buffer.allocUnsafe(bytes);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  fits(bytes: number): boolean {
    return this.at + bytes <= this.buf.length;
  }

  /** What has been written, as a view of the buffer. */
  written(): Buffer {
    return this.buf.subarray(0, this.at);
  }

  /** Bytes that already hold their own length words (the header, a row prefix, a word). */
  raw(b: Uint8Array): void {
    this.buf.set(b, this.at);
    this.at += b.length;
  }

  int4(v: number): void {
    this.view.setInt32(this.at, 4);
    this.view.setInt32(this.at + 4, v);
    this.at += 8;
  }

  /** A number (a safe integer) written as two words: no bigint made per value. */
  int8(v: number | string | bigint): void {
    this.view.setInt32(this.at, 8);
    if (typeof v === 'number') {
      const high = Math.floor(v / 2 ** 32);
      this.view.setInt32(this.at + 4, high);
      this.view.setUint32(this.at + 8, v - high * 2 ** 32);
    } else this.view.setBigInt64(this.at + 4, BigInt(v));
    this.at += 12;
  }

  float8(v: number): void {
    this.view.setInt32(this.at, 8);
    this.view.setFloat64(this.at + 4, v);
    this.at += 12;
  }

  bool(v: boolean): void {
    this.view.setInt32(this.at, 1);
    this.view.setUint8(this.at + 4, v ? 1 : 0);
    this.at += 5;
  }

  /** A smallint, or NULL for undefined. */
  int2(v: number | undefined): void {
    if (v === undefined) return this.nul();
    this.view.setInt32(this.at, 2);
    this.view.setInt16(this.at + 4, v);
    this.at += 6;
  }

  /** UTF-8 text, or NULL for undefined. */
  text(v: string | null): void {
    if (v === null) return this.nul();
    const n = this.buf.write(v, this.at + 4, 'utf8');
    this.view.setInt32(this.at, n);
    this.at += 4 + n;
  }

  bytea(b: Uint8Array): void {
    this.view.setInt32(this.at, b.byteLength);
    this.buf.set(b, this.at + 4);
    this.at += 4 + b.byteLength;
  }

  private nul(): void {
    this.view.setInt32(this.at, -1);
    this.at += 4;
  }
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
