import http2, { type ClientHttp2Session, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type { Direction } from '../model/frame.js';
import type { EndReason, StreamStatus } from '../model/session.js';
import type { StreamEndDecider, StreamEndEvent } from '../model/stream-end.js';
import { createGrpcFrameParser, type GrpcFrameParser } from './grpc-frame-parser.js';
import { statusFromHeaders } from './relay-headers.js';
import {
  type Gate,
  type Legs,
  type Readable,
  carryOut,
  createGate,
  upstreamHeaders,
} from './h2-relay-legs.js';
import type { RelayClock, RelayStreamTap } from './h2-relay.js';

const { NGHTTP2_CANCEL, NGHTTP2_FLAG_END_STREAM } = http2.constants;

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
  const st: RelayStreamState = {
    ctx,
    legs: { down, downGate: createGate(down), up: null, upGate: null, upHeaders: null, upTrailers: null },
    parsers: null!,
    stamp: 0,
    finished: false,
    upError: null,
  };
  st.parsers = {
    toHost: createGrpcFrameParser({
      views: true,
      onMessage: (c, b) => ctx.tap.message('toHost', c, b, st.stamp),
    }),
    toWorker: createGrpcFrameParser({
      views: true,
      onMessage: (c, b) => ctx.tap.message('toWorker', c, b, st.stamp),
    }),
  };
  down.on('error', () => {
    /* the 'close' handler decides what it means */
  });
  down.on('wantTrailers', () => onEnd(st, { type: 'want-trailers' }));
  const leg = openUpstream(st, downHeaders);
  if (leg) relayBothWays(st, leg);
  else {
    onEnd(st, { type: 'upstream-unavailable', error: st.upError ?? new Error('no upstream session') });
    // Still observe (and drain) what the worker sends until its side closes.
    down.on('data', (chunk: Buffer) => {
      st.stamp = sinceOpen(ctx);
      st.parsers.toHost.push(chunk);
    });
  }
  down.on('close', () =>
    onEnd(
      st,
      down.rstCode !== undefined
        ? { type: 'worker-closed', rstCode: down.rstCode }
        : { type: 'worker-closed' },
    ),
  );
  return streamControl(st);
}

/** One relayed stream: its legs, its parsers and what it has seen. */
interface RelayStreamState {
  ctx: StreamRelayContext;
  legs: Legs;
  parsers: Record<Direction, GrpcFrameParser>;
  /** ns since `openedNs` at which the chunk being parsed arrived. */
  stamp: number;
  /** `tap.end` was called. */
  finished: boolean;
  upError: (Error & { code?: string }) | null;
}

/** ns since the stream opened. */
function sinceOpen(ctx: StreamRelayContext): number {
  return Number(ctx.clock.hrNs() - ctx.openedNs);
}

/** Give the end-of-stream decision an event and carry out its commands. */
function onEnd(st: RelayStreamState, event: StreamEndEvent): void {
  const { ctx, parsers } = st;
  for (const c of ctx.decideEnd(event)) {
    if (c.type !== 'tap-end') carryOut(st.legs, c);
    else {
      st.finished = true;
      ctx.tap.end({
        status: c.status,
        reason: c.reason,
        atNs: ctx.clock.hrNs(),
        wallMs: ctx.clock.wallMs(),
        partial: { toHost: parsers.toHost.pendingBytes, toWorker: parsers.toWorker.pendingBytes },
      });
      ctx.onFinished();
    }
  }
}

/** Open the host's leg (`legs.up`); undefined, with `upError`, when there is no upstream to open it on. */
function openUpstream(st: RelayStreamState, downHeaders: IncomingHttpHeaders): UpstreamLeg | undefined {
  try {
    const leg = st.ctx.upstream();
    st.legs.up = leg.session.request(upstreamHeaders(downHeaders, st.ctx.authority), { endStream: false });
    return leg;
  } catch (err) {
    st.upError = err as Error;
    return undefined;
  }
}

/** Forward both ways, under the initial holds, and turn the host leg's events into end events. */
function relayBothWays(st: RelayStreamState, leg: UpstreamLeg): void {
  const { legs, ctx } = st;
  const up = legs.up!;
  const upGate = (legs.upGate = createGate(up));
  forward(st, legs.down, up, legs.downGate, 'toHost');
  forward(st, up, legs.down, upGate, 'toWorker');
  for (const reason of ctx.initialHolds) {
    legs.downGate.hold(reason);
    upGate.hold(reason);
  }
  legs.down.on('end', () => onEnd(st, { type: 'worker-end' }));
  up.on('error', (err: Error) => {
    st.upError ??= err;
  });
  up.on('response', (headers, flags) => {
    legs.upHeaders = headers;
    const endStream = (flags & NGHTTP2_FLAG_END_STREAM) !== 0;
    onEnd(st, {
      type: 'upstream-response',
      endStream,
      status: endStream ? statusFromHeaders(headers) : null,
    });
  });
  up.on('trailers', (trailers) => {
    legs.upTrailers = trailers;
    onEnd(st, { type: 'upstream-trailers', status: statusFromHeaders(trailers) });
  });
  up.on('end', () => onEnd(st, { type: 'upstream-end' }));
  up.on('close', () => {
    const cause = (st.upError as { cause?: unknown } | null)?.cause;
    const error = leg.error() ?? (cause instanceof Error ? cause : st.upError) ?? undefined;
    onEnd(st, {
      type: 'upstream-closed',
      dropped: leg.dropped(),
      connected: leg.connected(),
      ...(up.rstCode !== undefined ? { rstCode: up.rstCode } : {}),
      ...(error ? { error } : {}),
    });
  });
}

/**
 * Write each chunk `from` sends to `to` unchanged, then parse it for the tap; above
 * `maxBufferedBytes` waiting toward `to`, hold `from` until `to` drains or closes.
 */
function forward(st: RelayStreamState, from: Readable, to: Readable, gate: Gate, direction: Direction): void {
  let waiting = false;
  const resume = () => {
    if (!waiting) return;
    waiting = false;
    gate.release('peer');
  };
  to.on('drain', resume);
  to.on('close', resume);
  from.on('data', (chunk: Buffer) => {
    const arrived = sinceOpen(st.ctx);
    if (!to.destroyed && !to.writableEnded) {
      to.write(chunk);
      if (!waiting && to.writableLength > st.ctx.maxBufferedBytes) {
        waiting = true;
        gate.hold('peer');
      }
    }
    st.stamp = arrived;
    st.parsers[direction].push(chunk);
  });
}

function streamControl(st: RelayStreamState): StreamRelayControl {
  const { legs } = st;
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
      if (!st.finished) onEnd(st, { type: 'abort', status, reason });
    },
    destroy() {
      if (!legs.down.destroyed) legs.down.close(NGHTTP2_CANCEL);
      if (legs.up && !legs.up.destroyed) legs.up.close(NGHTTP2_CANCEL);
    },
  };
}
