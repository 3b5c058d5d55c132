/**
 * The socket half of a relayed stream: its two legs, their read gates, and the commands of
 * the end-of-stream decision carried out on them.
 */
import http2, {
  type ClientHttp2Stream,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import type { StreamEndCommand } from '../model/stream-end.js';
import { forwardableHeaders, statusTrailers } from './relay-headers.js';

const { NGHTTP2_NO_ERROR } = http2.constants;
export type Gate = ReturnType<typeof createGate>;
export type Readable = ServerHttp2Stream | ClientHttp2Stream;

/** Synthesised trailers-only responses carry no `date`: grpc-js's own synthesised statuses have none. */
const NO_DATE_END = { endStream: true, sendDate: false } as { endStream: boolean };

/** Pause reasons for one readable side; reading resumes when none is left. */
export function createGate(stream: Readable) {
  const reasons = new Set<string>();
  return {
    hold(reason: string): void {
      if (reasons.size === 0) stream.pause();
      reasons.add(reason);
    },
    release(reason: string): void {
      if (!reasons.delete(reason)) return;
      if (reasons.size === 0) stream.resume();
    },
    clear(): void {
      if (reasons.size > 0) {
        reasons.clear();
        stream.resume();
      }
    },
  };
}

/** The two legs of one relayed stream and what the relay keeps of them. */
export interface Legs {
  down: ServerHttp2Stream;
  downGate: Gate;
  up: ClientHttp2Stream | null;
  upGate: Gate | null;
  /** The host's response headers and trailers, forwarded when the decision says so. */
  upHeaders: IncomingHttpHeaders | null;
  upTrailers: IncomingHttpHeaders | null;
}

export function upstreamHeaders(downHeaders: IncomingHttpHeaders, authority: string): OutgoingHttpHeaders {
  return {
    ...forwardableHeaders(downHeaders),
    ':method': String(downHeaders[':method'] ?? 'POST'),
    ':path': String(downHeaders[':path'] ?? '/'),
    ':scheme': 'http',
    ':authority': authority,
  };
}

/** One command of the end-of-stream decision, on the sockets (skipped where a leg is already gone). */
export function carryOut(legs: Legs, c: Exclude<StreamEndCommand, { type: 'tap-end' }>): void {
  const { down, up } = legs;
  const downGone = down.destroyed || down.closed;
  switch (c.type) {
    case 'respond':
      if (downGone) return;
      // sendDate: false — a `date` header reaches the worker only if the host sent one.
      if (c.endStream) down.respond(forwardableHeaders(legs.upHeaders ?? {}, true), NO_DATE_END);
      else
        down.respond(forwardableHeaders(legs.upHeaders ?? {}, true), {
          waitForTrailers: true,
          sendDate: false,
        } as { waitForTrailers: boolean });
      return;
    case 'respond-status':
      if (!downGone)
        down.respond(
          { ':status': 200, 'content-type': 'application/grpc', ...statusTrailers(c.status) },
          NO_DATE_END,
        );
      return;
    case 'end-worker':
      if (!downGone && !down.writableEnded) down.end();
      return;
    case 'send-trailers': {
      const trailers = c.status
        ? statusTrailers(c.status)
        : legs.upTrailers
          ? forwardableHeaders(legs.upTrailers)
          : {};
      try {
        down.sendTrailers(trailers);
      } catch {
        down.close(NGHTTP2_NO_ERROR);
      }
      return;
    }
    case 'close-worker':
      if (!down.closed) down.close(c.code);
      return;
    case 'end-upstream':
      if (up && !up.destroyed && !up.writableEnded) up.end();
      return;
    case 'close-upstream':
      if (up && !up.closed && !up.destroyed) up.close(c.code);
      return;
    case 'release':
      (c.side === 'worker' ? legs.downGate : legs.upGate)?.clear();
      return;
  }
}
