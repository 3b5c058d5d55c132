import http2, {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import type { Direction } from '../model/frame.js';
import type { EndReason, StreamStatus } from '../model/session.js';
import type { StreamEndCommand, StreamEndDecider, StreamEndEvent } from '../model/stream-end.js';
import { createGrpcFrameParser, type GrpcFrameParser } from './grpc-frame-parser.js';
import { forwardableHeaders, statusFromHeaders, statusTrailers } from './relay-headers.js';
import type { RelayClock, RelayStreamTap } from './h2-relay.js';

const { NGHTTP2_CANCEL, NGHTTP2_NO_ERROR, NGHTTP2_FLAG_END_STREAM } = http2.constants;
type Gate = ReturnType<typeof createGate>;

/** What the session layer gives one relayed stream. */
export interface StreamRelayContext {
  /** The upstream session to open the stream on (throws when none can be had). */
  upstream(): UpstreamLeg;
  authority: string;
  tap: RelayStreamTap;
  clock: RelayClock;
  /** The stream's opening time (`RelayStreamInfo.atNs`): message stamps count from it. */
  openedNs: bigint;
  /** Above this many bytes queued toward a peer, reading from the other peer pauses. */
  maxBufferedBytes: number;
  /** Reasons reading is held at start (e.g. the store is applying backpressure). */
  initialHolds: readonly string[];
  /** This stream's end-of-stream decision (proxy/stream-end.ts): the relay only carries it out. */
  decideEnd: StreamEndDecider;
  /** Called once, after `tap.end`. */
  onFinished(): void;
}

/** The upstream connection a stream is opened on. */
export interface UpstreamLeg {
  session: ClientHttp2Session;
  /** True once the connection failed or closed (streams on it did not end by themselves). */
  dropped(): boolean;
  /** True once the connection was established (HTTP/2 preface and settings exchanged). */
  connected(): boolean;
  /** The connection's error, if it had one. */
  error(): Error | null;
}

/** Control over one relayed stream, used by the session layer. */
export interface StreamRelayControl {
  /** Stop reading from both peers for `reason` until released (reasons nest). */
  hold(reason: string): void;
  release(reason: string): void;
  /** End the stream now: the worker gets `status`, the host a CANCEL reset. */
  abort(status: StreamStatus, reason: EndReason): void;
  /** Last resort after `abort`: reset both legs without waiting for the peers. */
  destroy(): void;
}

/** Synthesised trailers-only responses carry no `date`: grpc-js's own synthesised statuses have none. */
const NO_DATE_END = { endStream: true, sendDate: false } as { endStream: boolean };

type Readable = ServerHttp2Stream | ClientHttp2Stream;

/** Pause reasons for one readable side; reading resumes when none is left. */
function createGate(stream: Readable) {
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
interface Legs {
  down: ServerHttp2Stream;
  downGate: Gate;
  up: ClientHttp2Stream | null;
  upGate: Gate | null;
  /** The host's response headers and trailers, forwarded when the decision says so. */
  upHeaders: IncomingHttpHeaders | null;
  upTrailers: IncomingHttpHeaders | null;
}

/**
 * Relay one gRPC stream between a worker (`down`, our server side) and the host (a new
 * stream on the upstream client session), at the HTTP/2 level. What each side gets when a
 * leg ends, breaks or resets is decided by `ctx.decideEnd` (sans-IO); this function turns
 * socket events into its events and carries out its commands.
 *
 * Invariants:
 * - Bytes are forwarded before they are parsed; each DATA chunk is written to the other
 *   leg unchanged, then given to that direction's frame parser for the tap.
 * - Backpressure: when more than `maxBufferedBytes` wait toward one peer, the other
 *   peer is not read (HTTP/2 flow control then stops it) until that buffer drains.
 * - Request headers, response headers, trailers, END_STREAM and RST_STREAM codes cross
 *   unchanged (minus pseudo and hop-by-hop headers); when a leg breaks without a status
 *   the worker gets the status grpc-js would have given it connected directly.
 * - `tap.end` is called exactly once, after both legs closed, after every `tap.message`.
 */
export function relayStream(
  down: ServerHttp2Stream,
  downHeaders: IncomingHttpHeaders,
  ctx: StreamRelayContext,
): StreamRelayControl {
  const { tap, clock, openedNs } = ctx;
  /** ns since `openedNs` at which the chunk being parsed arrived. */
  let stamp = 0;
  const sinceOpen = () => Number(clock.hrNs() - openedNs);
  const parsers: Record<Direction, GrpcFrameParser> = {
    toHost: createGrpcFrameParser({ views: true, onMessage: (c, b) => tap.message('toHost', c, b, stamp) }),
    toWorker: createGrpcFrameParser({
      views: true,
      onMessage: (c, b) => tap.message('toWorker', c, b, stamp),
    }),
  };
  const legs: Legs = {
    down,
    downGate: createGate(down),
    up: null,
    upGate: null,
    upHeaders: null,
    upTrailers: null,
  };
  let finished = false;
  const on = (event: StreamEndEvent) => {
    for (const c of ctx.decideEnd(event)) {
      if (c.type !== 'tap-end') carryOut(legs, c);
      else {
        finished = true;
        tap.end({
          status: c.status,
          reason: c.reason,
          atNs: clock.hrNs(),
          wallMs: clock.wallMs(),
          partial: { toHost: parsers.toHost.pendingBytes, toWorker: parsers.toWorker.pendingBytes },
        });
        ctx.onFinished();
      }
    }
  };

  down.on('error', () => {
    /* the 'close' handler decides what it means */
  });
  down.on('wantTrailers', () => on({ type: 'want-trailers' }));

  let upSession: UpstreamLeg | null = null;
  let upError: (Error & { code?: string }) | null = null;
  try {
    upSession = ctx.upstream();
    legs.up = upSession.session.request(upstreamHeaders(downHeaders, ctx.authority), { endStream: false });
  } catch (err) {
    upError = err as Error;
  }

  if (!legs.up) {
    on({ type: 'upstream-unavailable', error: upError ?? new Error('no upstream session') });
    // Still observe (and drain) what the worker sends until its side closes.
    down.on('data', (chunk: Buffer) => {
      stamp = sinceOpen();
      parsers.toHost.push(chunk);
    });
  } else {
    const up = legs.up;
    const upGate = (legs.upGate = createGate(up));
    const forward = (from: Readable, to: Readable, gate: Gate, direction: Direction) => {
      let waiting = false;
      const resume = () => {
        if (!waiting) return;
        waiting = false;
        gate.release('peer');
      };
      to.on('drain', resume);
      to.on('close', resume);
      from.on('data', (chunk: Buffer) => {
        const arrived = sinceOpen();
        if (!to.destroyed && !to.writableEnded) {
          to.write(chunk);
          if (!waiting && to.writableLength > ctx.maxBufferedBytes) {
            waiting = true;
            gate.hold('peer');
          }
        }
        stamp = arrived;
        parsers[direction].push(chunk);
      });
    };
    forward(down, up, legs.downGate, 'toHost');
    forward(up, down, upGate, 'toWorker');
    for (const reason of ctx.initialHolds) {
      legs.downGate.hold(reason);
      upGate.hold(reason);
    }
    const leg = upSession!;
    down.on('end', () => on({ type: 'worker-end' }));
    up.on('error', (err: Error) => {
      upError ??= err;
    });
    up.on('response', (headers, flags) => {
      legs.upHeaders = headers;
      const endStream = (flags & NGHTTP2_FLAG_END_STREAM) !== 0;
      on({ type: 'upstream-response', endStream, status: endStream ? statusFromHeaders(headers) : null });
    });
    up.on('trailers', (trailers) => {
      legs.upTrailers = trailers;
      on({ type: 'upstream-trailers', status: statusFromHeaders(trailers) });
    });
    up.on('end', () => on({ type: 'upstream-end' }));
    up.on('close', () => {
      const cause = (upError as { cause?: unknown } | null)?.cause;
      const error = leg.error() ?? (cause instanceof Error ? cause : upError) ?? undefined;
      on({
        type: 'upstream-closed',
        dropped: leg.dropped(),
        connected: leg.connected(),
        ...(up.rstCode !== undefined ? { rstCode: up.rstCode } : {}),
        ...(error ? { error } : {}),
      });
    });
  }

  down.on('close', () =>
    on(
      down.rstCode !== undefined
        ? { type: 'worker-closed', rstCode: down.rstCode }
        : { type: 'worker-closed' },
    ),
  );

  return {
    hold(reason) {
      legs.downGate.hold(reason);
      legs.upGate?.hold(reason);
    },
    release(reason) {
      legs.downGate.release(reason);
      legs.upGate?.release(reason);
    },
    abort(status, reason) {
      if (!finished) on({ type: 'abort', status, reason });
    },
    destroy() {
      if (!down.destroyed) down.close(NGHTTP2_CANCEL);
      if (legs.up && !legs.up.destroyed) legs.up.close(NGHTTP2_CANCEL);
    },
  };
}

function upstreamHeaders(downHeaders: IncomingHttpHeaders, authority: string): OutgoingHttpHeaders {
  return {
    ...forwardableHeaders(downHeaders),
    ':method': String(downHeaders[':method'] ?? 'POST'),
    ':path': String(downHeaders[':path'] ?? '/'),
    ':scheme': 'http',
    ':authority': authority,
  };
}

/** One command of the end-of-stream decision, on the sockets (skipped where a leg is already gone). */
function carryOut(legs: Legs, c: Exclude<StreamEndCommand, { type: 'tap-end' }>): void {
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
