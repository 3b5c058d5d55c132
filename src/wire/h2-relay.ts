import http2, {
  type Http2Server,
  type IncomingHttpHeaders,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2';
import type net from 'node:net';
import type { Direction } from '../model/frame.js';
import { formatHostPort } from '../model/host-address.js';
import type { EndReason, Metadata, StreamStatus } from '../model/session.js';
import type { StreamEndDecider } from '../model/stream-end.js';
import type { EarlyListener } from './early-listener.js';
import { relayStream, type StreamRelayControl } from './h2-relay-stream.js';
import { headersToMetadata, statusTrailers } from './relay-headers.js';
import {
  MAX_SESSION_MEMORY,
  SETTINGS,
  type UpstreamSessions,
  connectUpstream,
  trackWorkerSession,
} from './h2-relay-sessions.js';

/** Monotonic and wall clocks; injected so the relay has no hidden time source. */
export interface RelayClock {
  /** Monotonic ns, any origin (only differences are used). */
  hrNs(): bigint;
  /** Milliseconds since the epoch, fractional. */
  wallMs(): number;
}

export const systemClock: RelayClock = {
  hrNs: () => process.hrtime.bigint(),
  wallMs: () => performance.timeOrigin + performance.now(),
};

/** What is known when a worker opens a stream. */
export interface RelayStreamInfo {
  path: string;
  /** The worker's request metadata (no pseudo-headers). */
  metadata: Metadata;
  /** host:port the stream is relayed to. */
  upstream: string;
  /** The worker's address, host:port. */
  peer: string;
  /** When the stream opened (the clock's `hrNs`); message times count from here. */
  atNs: bigint;
  wallMs: number;
}

/** How a relayed stream ended, as the worker saw it. */
export interface RelayOutcome {
  /** The status the worker was given (trailers forwarded, synthesised, or reset-derived). */
  status: StreamStatus | null;
  reason: EndReason;
  atNs: bigint;
  wallMs: number;
  /** Bytes of a message cut off by the end of the stream, per direction (0 = none). */
  partial: Record<Direction, number>;
}

/** Observes one relayed stream; called synchronously from the relay (must not throw). */
export interface RelayStreamTap {
  /**
   * One whole message, after its bytes were forwarded; `sinceOpenNs` is when its last chunk
   * arrived, in ns since the stream's `atNs` (a number, so that no BigInt is made per
   * message: exact below 2^53 ns, ~104 days).
   * `bytes` is never mutated afterwards, but it may be a view of the received DATA chunk
   * (a message split across chunks is a fresh copy): copy it to keep it, or keep the chunk.
   */
  message(direction: Direction, compressed: boolean, bytes: Uint8Array, sinceOpenNs: number): void;
  /** Exactly once per stream, after every `message`. */
  end(outcome: RelayOutcome): void;
}

export interface H2RelayOptions {
  /** Where to listen, or a listener already open (its waiting connections are served first). */
  listen: { host: string; port: number } | { early: EarlyListener };
  upstream: { host: string; port: number };
  onStream(info: RelayStreamInfo): RelayStreamTap;
  clock?: RelayClock;
  /** Bytes queued toward one peer before reading from the other pauses. Default 1 MiB. */
  maxBufferedBytes?: number;
  /** A fresh end-of-stream decision for each stream (proxy's `createStreamEnd`). */
  decideEnd: () => StreamEndDecider;
}

export interface H2Relay {
  /** The bound address (the real port when 0 was asked). */
  readonly address: { host: string; port: number };
  readonly activeStreams: number;
  /** Stop reading from every peer (store backpressure); streams opened meanwhile start held. */
  hold(): void;
  release(): void;
  /** End every in-flight stream now (the worker gets `status`, the host a CANCEL reset). */
  abortAll(status: StreamStatus, reason: EndReason): void;
  /** Answer every new stream at once with `status` (trailers-only; nothing is relayed or observed). */
  refuseNew(status: StreamStatus): void;
  /**
   * Resolves true once no stream is in flight (at once when none is), or false after
   * `timeoutMs` with streams still in flight. Changes nothing.
   */
  whenIdle(timeoutMs: number): Promise<boolean>;
  /**
   * Stop accepting, end in-flight streams with `status` (reason `shutdown`), wait up to
   * `graceMs` for them to close, then drop every connection. Idempotent.
   */
  close(status: StreamStatus, graceMs?: number): Promise<void>;
}

/** A relay's state: its streams and connections, and whether it holds, refuses or closes. */
interface RelayState {
  options: H2RelayOptions;
  clock: RelayClock;
  maxBufferedBytes: number;
  /** host:port of the upstream, as the `:authority` of relayed streams. */
  authority: string;
  streams: Set<StreamRelayControl>;
  downSessions: Set<ServerHttp2Session>;
  upSessions: UpstreamSessions;
  /** Called each time the last in-flight stream finishes. */
  idle: Set<() => void>;
  held: boolean;
  closing: StreamStatus | null;
  refusing: StreamStatus | null;
  closed: Promise<void> | null;
}

/**
 * A transparent gRPC relay at the HTTP/2 level: an h2c server for workers, and for each
 * worker connection one h2c client connection to the upstream host, so connection
 * lifetimes mirror a direct link (a worker that disappears is a connection the host
 * sees drop). Each stream is relayed by `relayStream` and observed through `onStream`.
 */
export async function startH2Relay(options: H2RelayOptions): Promise<H2Relay> {
  const st: RelayState = {
    options,
    clock: options.clock ?? systemClock,
    maxBufferedBytes: Math.max(64 * 1024, options.maxBufferedBytes ?? 1024 * 1024),
    authority: formatHostPort(options.upstream),
    streams: new Set(),
    downSessions: new Set(),
    upSessions: new Map(),
    idle: new Set(),
    held: false,
    closing: null,
    refusing: null,
    closed: null,
  };
  const server: Http2Server = http2.createServer({
    settings: SETTINGS,
    maxSessionMemory: MAX_SESSION_MEMORY,
  });
  server.on('connection', (socket: net.Socket) => socket.setNoDelay(true));
  server.on('session', (session: ServerHttp2Session) =>
    trackWorkerSession(st.downSessions, st.upSessions, session),
  );
  server.on('stream', (stream, headers) => onWorkerStream(st, stream, headers));
  const listen = options.listen;
  const bound = await listenOn(server, listen);
  /** Stop accepting: the early listener's socket, or the server's own (its callback comes with an error when it never listened). */
  const stopAccepting = () =>
    'early' in listen ? listen.early.close() : new Promise<void>((resolve) => server.close(() => resolve()));
  return relayControls(st, bound, stopAccepting);
}

/** The H2Relay over a started relay's state. */
function relayControls(
  st: RelayState,
  bound: { address: string; port: number },
  stopAccepting: () => Promise<void>,
): H2Relay {
  return {
    address: { host: bound.address, port: bound.port },
    get activeStreams() {
      return st.streams.size;
    },
    hold() {
      if (st.held) return;
      st.held = true;
      for (const control of st.streams) control.hold('store');
    },
    release() {
      if (!st.held) return;
      st.held = false;
      for (const control of st.streams) control.release('store');
    },
    abortAll: (status, reason) => abortAll(st, status, reason),
    refuseNew(status) {
      st.refusing = status;
    },
    whenIdle: (timeoutMs) => whenIdle(st, timeoutMs),
    close(status, graceMs = 2000) {
      if (st.closed) return st.closed;
      st.closing = status;
      st.closed = closeRelay(st, status, graceMs, stopAccepting);
      return st.closed;
    },
  };
}

/** A worker opened a stream: refuse it (closing, refusing) or relay it upstream. */
function onWorkerStream(st: RelayState, stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
  const refusal = st.closing ?? st.refusing;
  if (refusal) {
    stream.on('error', () => {});
    stream.respond({ ':status': 200, 'content-type': 'application/grpc', ...statusTrailers(refusal) }, {
      endStream: true,
      sendDate: false,
    } as { endStream: boolean });
    return;
  }
  const downSession = stream.session as ServerHttp2Session;
  const socket = downSession.socket;
  const { upstream } = st.options;
  const info: RelayStreamInfo = {
    path: String(headers[':path'] ?? ''),
    metadata: headersToMetadata(headers),
    upstream: formatHostPort(upstream),
    peer: formatHostPort({ host: socket?.remoteAddress ?? '?', port: socket?.remotePort ?? 0 }),
    atNs: st.clock.hrNs(),
    wallMs: st.clock.wallMs(),
  };
  const tap = st.options.onStream(info);
  const control: StreamRelayControl = relayStream(stream, headers, {
    upstream: () => {
      const entry = connectUpstream(st.upSessions, downSession, upstream, st.authority);
      return {
        session: entry.session,
        dropped: () => entry.dropped || entry.session.destroyed,
        connected: () => entry.connected,
        error: () => entry.error,
      };
    },
    authority: st.authority,
    tap,
    clock: st.clock,
    openedNs: info.atNs,
    maxBufferedBytes: st.maxBufferedBytes,
    initialHolds: st.held ? ['store'] : [],
    decideEnd: st.options.decideEnd(),
    onFinished: () => {
      st.streams.delete(control);
      if (st.streams.size === 0) for (const notify of st.idle) notify();
    },
  });
  st.streams.add(control);
}

/** Serve an early listener's connections, or listen on host:port; the bound address. */
async function listenOn(
  server: Http2Server,
  listen: H2RelayOptions['listen'],
): Promise<{ address: string; port: number }> {
  if ('early' in listen) {
    listen.early.adopt((socket) => {
      server.emit('connection', socket);
      socket.resume(); // accepted unread (pauseOnConnect): the session reads it from here
    });
    return { address: listen.early.address.host, port: listen.early.address.port };
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server.address() as net.AddressInfo;
}

function abortAll(st: RelayState, status: StreamStatus, reason: EndReason): void {
  for (const control of [...st.streams]) control.abort(status, reason);
}

function whenIdle(st: RelayState, timeoutMs: number): Promise<boolean> {
  if (st.streams.size === 0) return Promise.resolve(true);
  return new Promise<boolean>((resolve) => {
    const notify = () => {
      clearTimeout(timer);
      st.idle.delete(notify);
      resolve(true);
    };
    const timer = setTimeout(() => {
      st.idle.delete(notify);
      resolve(false);
    }, timeoutMs);
    st.idle.add(notify);
  });
}

/** Stop accepting, end the streams, wait up to `graceMs`, then drop every connection. */
async function closeRelay(
  st: RelayState,
  status: StreamStatus,
  graceMs: number,
  stopAccepting: () => Promise<void>,
): Promise<void> {
  const serverClosed = stopAccepting();
  abortAll(st, status, 'shutdown');
  if (st.streams.size > 0) {
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      const notify = () => resolve();
      st.idle.add(notify);
      timer = setTimeout(resolve, graceMs);
    });
    clearTimeout(timer);
    st.idle.clear();
    for (const control of st.streams) control.destroy();
  }
  for (const session of st.downSessions) session.close();
  for (const list of st.upSessions.values()) for (const { session } of list) session.close();
  await new Promise<void>((resolve) => setTimeout(resolve, 20));
  for (const session of st.downSessions) session.destroy();
  for (const list of st.upSessions.values()) for (const { session } of list) session.destroy();
  await serverClosed;
}
