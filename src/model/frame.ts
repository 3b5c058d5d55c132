/**
 * Which way a message travels on the EventStream. The host is the gRPC server, the
 * worker the client: `toHost` messages are the client's request messages, `toWorker`
 * the server's response messages.
 */
export type Direction = 'toHost' | 'toWorker';

export const DIRECTIONS: readonly Direction[] = ['toHost', 'toWorker'];

/**
 * One gRPC message exactly as it crossed the wire.
 *
 * Invariants: `bytes` is the message payload after the 5-byte gRPC length prefix, never
 * re-encoded (except when redaction replaced it, which the store marks); `seq` numbers the
 * frames of one session from 0 in the order the proxy observed them, both directions
 * together; `dirSeq` numbers each direction's frames from 0 separately.
 */
export interface Frame {
  sessionId: number;
  seq: number;
  dirSeq: number;
  direction: Direction;
  /** Monotonic nanoseconds since the session started. */
  tNs: bigint;
  /** Wall-clock time, milliseconds since the Unix epoch (fractional). */
  wallMs: number;
  /** The gRPC "compressed" flag of the frame (functape never sets it; peers might). */
  compressed: boolean;
  bytes: Uint8Array;
}

/** What `codec/describe` reads out of a message without decoding it fully. */
export interface FrameIndex {
  /** The StreamingMessage oneof member in its JSON name (`invocationRequest`), or `unknown`. */
  kind: string;
  requestId?: string;
  invocationId?: string;
  functionId?: string;
  /** StartStream.worker_id, on `startStream` messages. */
  workerId?: string;
  /** Why the bytes are not a valid StreamingMessage (kind is then `unknown`). */
  decodeError?: string;
}

/** A frame as read back from a recording. */
export interface StoredFrame extends Frame, FrameIndex {
  size: number;
  /** True when the stored bytes are a redacted re-encoding of what crossed the wire. */
  redacted: boolean;
}
