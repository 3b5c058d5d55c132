import { BinaryReader } from '@bufbuild/protobuf/wire';

/** A stretch of a reader's buffer: bytes [start, end). A message or one of its length-delimited fields. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/**
 * A @bufbuild/protobuf `BinaryReader` and the buffer it reads. The field reader
 * (field-reader.ts) moves `reader.pos` and reads `buf` directly where the library would
 * build a subarray (skipping a varint or a payload).
 */
export interface WireReader {
  reader: BinaryReader;
  /** A plain Uint8Array (not a Buffer: every subarray of a Buffer is a new Buffer, a JS-level constructor). */
  buf: Uint8Array;
}

/**
 * One message as the codec's readers see it: bytes [start, end) of `buf`, read by
 * `reader`. Describe, redaction, the timeline and bench's answer reader all read
 * messages this way, so a stored frame costs at most one reader; nested levels are spans
 * of the same buffer. Every read is kept inside [start, end): bytes around the message
 * are never believed.
 */
export interface MessageSpan extends WireReader, Span {}

function plain(bytes: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(bytes) === Uint8Array.prototype
    ? bytes
    : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A reader of its own for `bytes`. */
export function messageSpan(bytes: Uint8Array): MessageSpan {
  const buf = plain(bytes);
  return { reader: new BinaryReader(buf), buf, start: 0, end: buf.length };
}

/**
 * Spans for a stream of messages that share ArrayBuffers, as a capture batch does (its
 * frames lie back to back in one): one reader per ArrayBuffer, made when a message in a
 * new one comes, and each message a span of it. A reader holds no copy of the bytes, so
 * a buffer whose contents change between messages is read as it is then; it keeps the
 * last buffer referenced until a message in another one comes.
 */
export function createMessageSpans(): (bytes: Uint8Array) => MessageSpan {
  let ab: ArrayBufferLike | undefined;
  let size = -1;
  let whole: Uint8Array = new Uint8Array(0);
  let reader = new BinaryReader(whole);
  return (bytes) => {
    const buffer = bytes.buffer;
    if (buffer !== ab || buffer.byteLength !== size) {
      ab = buffer;
      size = buffer.byteLength;
      whole = new Uint8Array(buffer, 0, size);
      reader = new BinaryReader(whole);
    }
    const start = bytes.byteOffset;
    return { reader, buf: whole, start, end: start + bytes.byteLength };
  };
}
