import { create, fromBinary, fromJson, toBinary, toJson, type JsonValue } from '@bufbuild/protobuf';
import { StreamingMessageSchema, type StreamingMessage } from '../gen/FunctionRpc_pb.js';

export type { StreamingMessage };
export { StreamingMessageSchema };

/** The oneof member names of StreamingMessage.content (JSON names), e.g. `invocationRequest`. */
export type MessageKind = NonNullable<StreamingMessage['content']['case']>;

/** Decode wire bytes. Throws on bytes that are not a StreamingMessage. */
export function decodeMessage(bytes: Uint8Array): StreamingMessage {
  return fromBinary(StreamingMessageSchema, bytes);
}

export function encodeMessage(message: StreamingMessage): Uint8Array {
  return toBinary(StreamingMessageSchema, message);
}

/** Build a message from a partial init, e.g. `{ content: { case: 'startStream', value: { workerId } } }`. */
export function makeMessage(
  init: Parameters<typeof create<typeof StreamingMessageSchema>>[1],
): StreamingMessage {
  return create(StreamingMessageSchema, init);
}

/** The proto3 JSON view of a message (display, export, diff). */
export function messageToJson(message: StreamingMessage): JsonValue {
  return toJson(StreamingMessageSchema, message);
}

export function messageFromJson(json: JsonValue): StreamingMessage {
  return fromJson(StreamingMessageSchema, json);
}

/** Decode and render as proto3 JSON; `null` plus the error when the bytes do not decode. */
export function bytesToJson(bytes: Uint8Array): { json: JsonValue | null; error?: string } {
  try {
    return { json: messageToJson(decodeMessage(bytes)) };
  } catch (err) {
    return { json: null, error: err instanceof Error ? err.message : String(err) };
  }
}
