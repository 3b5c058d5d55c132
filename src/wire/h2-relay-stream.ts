import http2, { type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders, type OutgoingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type { Direction } from '../model/frame.js';
import type { EndReason, StreamStatus } from '../model/session.js';
import { createGrpcFrameParser, type GrpcFrameParser } from './grpc-frame-parser.js';
import {
  CONNECTION_DROPPED, forwardableHeaders, statusForRstCode, statusFromHeaders, statusTrailers, unreachableStatus,
} from './relay-headers.js';
import type { RelayClock, RelayStreamTap } from './h2-relay.js';

const { NGHTTP2_CANCEL, NGHTTP2_NO_ERROR, NGHTTP2_FLAG_END_STREAM } = http2.constants;

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

/**
 * Relay one gRPC stream between a worker (`down`, our server side) and the host (a new
 * stream on the upstream client session), at the HTTP/2 level.
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
export function relayStream(down: ServerHttp2Stream, downHeaders: IncomingHttpHeaders, ctx: StreamRelayContext): StreamRelayControl {
  const { tap, clock, openedNs } = ctx;
  /** ns since `openedNs` at which the chunk being parsed arrived. */
  let stamp = 0;
  const sinceOpen = () => Number(clock.hrNs() - openedNs);
  const parsers: Record<Direction, GrpcFrameParser> = {
    toHost: createGrpcFrameParser({ views: true, onMessage: (c, b) => tap.message('toHost', c, b, stamp) }),
    toWorker: createGrpcFrameParser({ views: true, onMessage: (c, b) => tap.message('toWorker', c, b, stamp) }),
  };
  let decided: { status: StreamStatus | null; reason: EndReason } | null = null;
  let upStatus: StreamStatus | null = null;
  let upTrailers: IncomingHttpHeaders | null = null;
  let overrideTrailers: OutgoingHttpHeaders | null = null;
  let upError: (Error & { code?: string }) | null = null;
  let downClosed = false;
  let upClosed = false;
  let finished = false;

  const decide = (status: StreamStatus | null, reason: EndReason) => {
    if (!decided) decided = { status, reason };
  };

  const finish = () => {
    if (finished || !downClosed || !upClosed) return;
    finished = true;
    tap.end({
      status: decided?.status ?? null,
      reason: decided?.reason ?? 'worker-gone',
      atNs: clock.hrNs(),
      wallMs: clock.wallMs(),
      partial: { toHost: parsers.toHost.pendingBytes, toWorker: parsers.toWorker.pendingBytes },
    });
    ctx.onFinished();
  };

  /** Give the worker a final status, as trailers-only or as trailers after what was sent. */
  const statusToWorker = (status: StreamStatus) => {
    if (down.destroyed || down.closed) return;
    if (!down.headersSent) {
      down.respond({ ':status': 200, 'content-type': 'application/grpc', ...statusTrailers(status) }, NO_DATE_END);
    } else if (!down.writableEnded) {
      overrideTrailers = statusTrailers(status);
      down.end();
    }
  };

  const downGate = createGate(down);
  down.on('error', () => { /* the 'close' handler decides what it means */ });
  down.on('wantTrailers', () => {
    const trailers = overrideTrailers ?? (upTrailers ? forwardableHeaders(upTrailers) : {});
    try {
      down.sendTrailers(trailers);
    } catch {
      down.close(NGHTTP2_NO_ERROR);
    }
  });

  let up: ClientHttp2Stream | null = null;
  let upGate: ReturnType<typeof createGate> | null = null;
  let upSession: UpstreamLeg | null = null;
  try {
    upSession = ctx.upstream();
    const headers: OutgoingHttpHeaders = {
      ...forwardableHeaders(downHeaders),
      ':method': String(downHeaders[':method'] ?? 'POST'),
      ':path': String(downHeaders[':path'] ?? '/'),
      ':scheme': 'http',
      ':authority': ctx.authority,
    };
    up = upSession.session.request(headers, { endStream: false });
  } catch (err) {
    upError = err as Error;
  }

  if (!up) {
    const status = unreachableStatus(upError ?? new Error('no upstream session'));
    decide(status, 'host-gone');
    statusToWorker(status);
    upClosed = true;
    // Still observe (and drain) what the worker sends until its side closes.
    down.on('data', (chunk: Buffer) => {
      stamp = sinceOpen();
      parsers.toHost.push(chunk);
    });
  } else {
    const upStream = up;
    upGate = createGate(upStream);
    const forward = (from: Readable, to: Readable, gate: ReturnType<typeof createGate>, direction: Direction) => {
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
    forward(down, upStream, downGate, 'toHost');
    forward(upStream, down, upGate, 'toWorker');
    for (const reason of ctx.initialHolds) { downGate.hold(reason); upGate.hold(reason); }
    const gate = upGate;

    down.on('end', () => {
      if (!upStream.destroyed && !upStream.writableEnded) upStream.end();
    });
    upStream.on('error', (err: Error) => { upError ??= err; });
    upStream.on('response', (headers, flags) => {
      if (down.destroyed || down.closed || down.headersSent) return;
      if (flags & NGHTTP2_FLAG_END_STREAM) {
        upStatus = statusFromHeaders(headers);
        if (upStatus) decide(upStatus, upStatus.code === 0 ? 'completed' : 'error-status');
        down.respond(forwardableHeaders(headers, true), NO_DATE_END);
      } else {
        // sendDate: false — a `date` header reaches the worker only if the host sent one.
        down.respond(forwardableHeaders(headers, true), { waitForTrailers: true, sendDate: false } as { waitForTrailers: boolean });
      }
    });
    upStream.on('trailers', (trailers) => {
      upTrailers = trailers;
      upStatus = statusFromHeaders(trailers);
      if (upStatus) decide(upStatus, upStatus.code === 0 ? 'completed' : 'error-status');
    });
    upStream.on('end', () => {
      // Without trailers the end means the leg broke: 'close' decides what the worker gets.
      if (upTrailers && down.headersSent && !down.writableEnded && !down.destroyed) down.end();
    });
    upStream.on('close', () => {
      upClosed = true;
      gate.clear();
      if (upStatus) {
        decide(upStatus, upStatus.code === 0 ? 'completed' : 'error-status');
        // The worker normally ended first; if not, it gets the host's status and the
        // reset that grpc-js itself would send after the status.
        if (!down.headersSent) statusToWorker(upStatus);
      } else if (!decided) {
        const code = upStream.rstCode ?? NGHTTP2_CANCEL;
        const dropped = upSession!.dropped();
        if (!upSession!.connected()) {
          const cause = (upError as { cause?: unknown } | null)?.cause;
          const status = unreachableStatus(upSession!.error() ?? (cause instanceof Error ? cause : upError) ?? new Error('connection closed'));
          decide(status, 'host-gone');
          statusToWorker(status);
        } else if (dropped || code === NGHTTP2_NO_ERROR) {
          const status = dropped ? CONNECTION_DROPPED : statusForRstCode(code);
          decide(status, 'host-gone');
          if (dropped) statusToWorker(status);
          else if (!down.closed) down.close(code);
        } else {
          decide(statusForRstCode(code), 'host-gone');
          if (!down.closed) down.close(code);
        }
      }
      finish();
    });
  }

  down.on('close', () => {
    downClosed = true;
    downGate.clear();
    if (!decided) {
      const code = down.rstCode ?? NGHTTP2_CANCEL;
      decide({ code: 1, details: `the worker ended the stream (RST_STREAM code ${code})` }, 'worker-gone');
    }
    if (up && !up.closed && !up.destroyed) {
      const code = down.rstCode && down.rstCode !== NGHTTP2_NO_ERROR ? down.rstCode : NGHTTP2_CANCEL;
      if (decided?.reason === 'worker-gone' || !up.writableEnded || !up.readableEnded) up.close(code);
    }
    finish();
  });

  return {
    hold(reason) {
      downGate.hold(reason);
      upGate?.hold(reason);
    },
    release(reason) {
      downGate.release(reason);
      upGate?.release(reason);
    },
    abort(status, reason) {
      if (finished) return;
      decide(status, reason);
      downGate.clear();
      upGate?.clear();
      statusToWorker(status);
      if (up && !up.closed && !up.destroyed) up.close(NGHTTP2_CANCEL);
    },
    destroy() {
      if (!down.destroyed) down.close(NGHTTP2_CANCEL);
      if (up && !up.destroyed) up.close(NGHTTP2_CANCEL);
    },
  };
}
