import type { EndReason, StreamStatus } from './session.js';

/**
 * What happens to one relayed stream, as the transport sees it: the relay (wire/) turns
 * socket events into these and hands them to the end-of-stream decision (proxy/), which
 * answers with the commands the relay then carries out. RST codes are HTTP/2 error codes.
 */
export type StreamEndEvent =
  /** No upstream stream could be opened (no connection could be had). */
  | { type: 'upstream-unavailable'; error: { name?: string; message: string } }
  /** The host's response headers; `endStream`: a trailers-only response, `status` read from it. */
  | { type: 'upstream-response'; endStream: boolean; status: StreamStatus | null }
  | { type: 'upstream-trailers'; status: StreamStatus | null }
  /** The host's side of the stream ended (END_STREAM received). */
  | { type: 'upstream-end' }
  /**
   * The upstream stream closed. `rstCode`: its RST_STREAM code, if one ended it; `dropped`: its
   * connection failed or closed; `connected`: the connection had been established; `error`:
   * the connection's (or the stream's) error, used when it never connected.
   */
  | {
      type: 'upstream-closed';
      rstCode?: number;
      dropped: boolean;
      connected: boolean;
      error?: { name?: string; message: string };
    }
  /** The worker half-closed its side (END_STREAM received). */
  | { type: 'worker-end' }
  | { type: 'worker-closed'; rstCode?: number }
  /** The worker leg asks for its trailers (after the relay ended it). */
  | { type: 'want-trailers' }
  /** functape ends the stream itself (shutdown, store failure). */
  | { type: 'abort'; status: StreamStatus; reason: EndReason };

/** What the relay must do, in order. */
export type StreamEndCommand =
  /** Forward the host's response headers to the worker (trailers-only when `endStream`). */
  | { type: 'respond'; endStream: boolean }
  /** Answer the worker with a synthesised trailers-only response carrying `status`. */
  | { type: 'respond-status'; status: StreamStatus }
  /** End the worker leg; its trailers will be `status` if given, else the host's trailers. */
  | { type: 'end-worker'; status?: StreamStatus }
  /** Send the worker its trailers: `status` if given, else the host's trailers (or none). */
  | { type: 'send-trailers'; status?: StreamStatus }
  | { type: 'close-worker'; code: number }
  | { type: 'end-upstream' }
  | { type: 'close-upstream'; code: number }
  /** Resume reading from that side for good (its peer is gone). */
  | { type: 'release'; side: 'worker' | 'upstream' }
  /** Report the end: exactly once, after both legs closed. */
  | { type: 'tap-end'; status: StreamStatus | null; reason: EndReason };

/** One stream's end-of-stream decision: events in, commands out. */
export type StreamEndDecider = (event: StreamEndEvent) => StreamEndCommand[];
