/**
 * Splits a gRPC message stream (the DATA payload of one HTTP/2 stream direction) into
 * whole messages: each is a 5-byte prefix (1 flag byte, bit 0 = compressed; a 4-byte
 * big-endian length) followed by that many bytes. Pure: no I/O, no timers.
 *
 * Contracts:
 * - Chunks may split a message, or its prefix, anywhere; one chunk may hold many messages.
 * - By default every emitted `bytes` is a fresh, exactly-sized copy (its own ArrayBuffer,
 *   offset 0), so the consumer owns it (it may transfer it to another thread) and the
 *   chunk it came from can be forwarded and released independently.
 * - With `views: true`, a message lying wholly inside one pushed chunk is emitted as a
 *   view of that chunk (no allocation, no copy); only messages split across chunks are
 *   copied. For producers whose chunks are never mutated after `push` (node:http2 DATA
 *   chunks are slices of a fresh per-read allocation) and consumers that copy what they
 *   keep: a kept view keeps the whole chunk's memory alive.
 * - Messages are emitted synchronously from `push`, in stream order, exactly once.
 * - A message longer than `maxMessageBytes` is not copied: its bytes are skipped and
 *   `onOversize(length, compressed)` is called once, so memory stays bounded.
 */
export interface GrpcFrameParser {
  push(chunk: Uint8Array): void;
  /** Bytes of a message (or prefix) received but not yet complete; 0 at a message boundary. */
  readonly pendingBytes: number;
  /** Messages emitted (or skipped as oversize) so far. */
  readonly messages: number;
}

export interface GrpcFrameParserOptions {
  onMessage: (compressed: boolean, bytes: Uint8Array) => void;
  /** Largest message to copy out; default 2^32 - 1 (every message gRPC can frame). */
  maxMessageBytes?: number;
  onOversize?: (length: number, compressed: boolean) => void;
  /** Emit messages lying inside one chunk as views of it (see the contract above). Default false. */
  views?: boolean;
}

const PREFIX = 5;

export function createGrpcFrameParser(options: GrpcFrameParserOptions): GrpcFrameParser {
  const { onMessage } = options;
  const maxMessageBytes = options.maxMessageBytes ?? 0xffffffff;
  const views = options.views === true;
  const prefix = new Uint8Array(PREFIX);
  let prefixHave = 0;
  /** Set once the prefix is complete: the message being filled (null while skipping). */
  let body: Uint8Array | null = null;
  let bodyLength = -1;
  let bodyHave = 0;
  let compressed = false;
  let count = 0;

  function startBody(): void {
    compressed = (prefix[0]! & 1) === 1;
    bodyLength = ((prefix[1]! << 24) >>> 0) + (prefix[2]! << 16) + (prefix[3]! << 8) + prefix[4]!;
    bodyHave = 0;
    prefixHave = 0;
    if (bodyLength > maxMessageBytes) {
      body = null;
      options.onOversize?.(bodyLength, compressed);
    } else {
      body = new Uint8Array(bodyLength);
    }
  }

  function finishBody(): void {
    const done = body;
    const wasCompressed = compressed;
    body = null;
    bodyLength = -1;
    bodyHave = 0;
    count += 1;
    if (done) onMessage(wasCompressed, done);
  }

  return {
    push(chunk: Uint8Array): void {
      let at = 0;
      const end = chunk.length;
      while (at < end || bodyLength === 0) {
        if (bodyLength < 0) {
          // Fast path: a whole prefix inside this chunk.
          if (prefixHave === 0 && end - at >= PREFIX) {
            if (views) {
              // Faster still: the whole message inside this chunk is emitted as a view.
              const length =
                ((chunk[at + 1]! << 24) >>> 0) +
                (chunk[at + 2]! << 16) +
                (chunk[at + 3]! << 8) +
                chunk[at + 4]!;
              if (length <= end - at - PREFIX && length <= maxMessageBytes) {
                const start = at + PREFIX;
                at = start + length;
                count += 1;
                onMessage(
                  (chunk[start - PREFIX]! & 1) === 1,
                  new Uint8Array(chunk.buffer, chunk.byteOffset + start, length),
                );
                continue;
              }
            }
            prefix.set(chunk.subarray(at, at + PREFIX));
            at += PREFIX;
          } else {
            const take = Math.min(PREFIX - prefixHave, end - at);
            prefix.set(chunk.subarray(at, at + take), prefixHave);
            prefixHave += take;
            at += take;
            if (prefixHave < PREFIX) return;
          }
          startBody();
        }
        const take = Math.min(bodyLength - bodyHave, end - at);
        if (take > 0) {
          if (body) body.set(chunk.subarray(at, at + take), bodyHave);
          bodyHave += take;
          at += take;
        }
        if (bodyHave === bodyLength) finishBody();
      }
    },
    get pendingBytes(): number {
      return bodyLength < 0 ? prefixHave : PREFIX + bodyHave;
    },
    get messages(): number {
      return count;
    },
  };
}

/** Frame one message (tests and peers that speak raw HTTP/2). */
export function frameGrpcMessage(bytes: Uint8Array, compressed = false): Uint8Array {
  const out = new Uint8Array(PREFIX + bytes.length);
  out[0] = compressed ? 1 : 0;
  new DataView(out.buffer).setUint32(1, bytes.length);
  out.set(bytes, PREFIX);
  return out;
}
