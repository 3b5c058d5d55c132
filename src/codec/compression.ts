import { gunzipSync, inflateSync } from 'node:zlib';

/**
 * The StreamingMessage bytes inside a gRPC message whose "compressed" flag is set.
 * gRPC names the encoding in a `grpc-encoding` header; recordings keep the wire bytes,
 * so the encoding is recognised from the payload itself: gzip by its magic bytes,
 * deflate by its zlib header. Throws when the payload is neither (e.g. snappy).
 */
export function decompressPayload(bytes: Uint8Array): Uint8Array {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) return gunzipSync(bytes);
  if (bytes.length >= 2 && (bytes[0]! & 0x0f) === 8 && ((bytes[0]! << 8) | bytes[1]!) % 31 === 0)
    return inflateSync(bytes);
  throw new Error('compressed with an encoding functape cannot read (only gzip and deflate)');
}

/**
 * A frame as its message: decompressed when the wire copy was compressed (so it can be
 * decoded, replayed and diffed), the same object otherwise. A frame that cannot be
 * decompressed is returned unchanged.
 */
export function messageFrame<T extends { bytes: Uint8Array; compressed?: boolean }>(frame: T): T {
  if (!frame.compressed) return frame;
  try {
    return { ...frame, bytes: decompressPayload(frame.bytes), compressed: false };
  } catch {
    return frame;
  }
}
