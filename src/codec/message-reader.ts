import { BinaryReader } from '@bufbuild/protobuf/wire';

/**
 * The @bufbuild/protobuf reader for one message, shared by everything that reads it
 * (describe, then redaction) so that a stored frame costs one reader. It reads a plain
 * Uint8Array view of `bytes`: on a Node Buffer every subarray the reader makes would be
 * a new Buffer (a JS-level constructor).
 */
export function messageReader(bytes: Uint8Array): BinaryReader {
  return new BinaryReader(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}
