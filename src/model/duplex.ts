import type { Metadata, StreamStatus } from './session.js';

/** How a message stream ended, seen from one end. */
export interface DuplexEnd {
  status: StreamStatus;
  /** True when the stream ended with status OK after both sides half-closed. */
  clean: boolean;
}

/**
 * One EventStream seen as whole messages (raw StreamingMessage bytes), whichever side
 * of it we play. Implemented by `wire/` over grpc-js; replay drivers and reference
 * peers depend only on this.
 *
 * Invariants: messages are delivered to the handler in arrival order; `done` settles
 * exactly once, after which `send` is a no-op returning false.
 */
export interface Duplex {
  /** Queue one message. Returns false when the transport buffer is full: await `drained()`. */
  send(bytes: Uint8Array): boolean;
  drained(): Promise<void>;
  /**
   * Finish our side. A client half-closes; a server ends the call with `status`
   * (default OK).
   */
  end(status?: StreamStatus): void;
  /** Abort the call (client: CANCELLED; server: the status given, default CANCELLED). */
  cancel(status?: StreamStatus): void;
  /** Set the receiver of incoming messages. Messages arriving before this is called are buffered. */
  onMessage(handler: (bytes: Uint8Array) => void): void;
  /** The peer's request metadata (server side) or response headers (client side, once known). */
  readonly metadata: Metadata;
  readonly done: Promise<DuplexEnd>;
}
