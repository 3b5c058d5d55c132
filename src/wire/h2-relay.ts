import http2, {
  type ClientHttp2Session,
  type Http2Server,
  type ServerHttp2Session,
  type Settings,
} from 'node:http2';
import net from 'node:net';
import type { Direction } from '../model/frame.js';
import { formatHostPort } from '../model/host-address.js';
import type { EndReason, Metadata, StreamStatus } from '../model/session.js';
import type { StreamEndDecider } from '../model/stream-end.js';
import type { EarlyListener } from './early-listener.js';
import { relayStream, type StreamRelayControl } from './h2-relay-stream.js';
import { headersToMetadata, statusTrailers } from './relay-headers.js';

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

interface UpstreamEntry {
  session: ClientHttp2Session;
  dropped: boolean;
  stale: boolean;
  connected: boolean;
  error: Error | null;
}

/** HTTP/2 settings both legs advertise: large windows, so big messages flow without stalls. */
const STREAM_WINDOW = 4 * 1024 * 1024;
const CONNECTION_WINDOW = 32 * 1024 * 1024;
const SETTINGS: Settings = { initialWindowSize: STREAM_WINDOW, maxHeaderListSize: 16 * 1024 * 1024 };
/** Node's per-session memory cap (MB) refuses streams when hit; backpressure bounds memory instead. */
const MAX_SESSION_MEMORY = 1 << 20;

/**
 * A transparent gRPC relay at the HTTP/2 level: an h2c server for workers, and for each
 * worker connection one h2c client connection to the upstream host, so connection
 * lifetimes mirror a direct link (a worker that disappears is a connection the host
 * sees drop). Each stream is relayed by `relayStream` and observed through `onStream`.
 */
export async function startH2Relay(options: H2RelayOptions): Promise<H2Relay> {
  const clock = options.clock ?? systemClock;
  const maxBufferedBytes = Math.max(64 * 1024, options.maxBufferedBytes ?? 1024 * 1024);
  const authority = formatHostPort(options.upstream);
  const streams = new Set<StreamRelayControl>();
  const downSessions = new Set<ServerHttp2Session>();
  /** Per worker connection, its upstream connections (the newest last; older ones went away). */
  const upSessions = new Map<ServerHttp2Session, UpstreamEntry[]>();
  const idle = new Set<() => void>();
  let held = false;
  let closing: StreamStatus | null = null;
  let refusing: StreamStatus | null = null;
  let closed: Promise<void> | null = null;

  const connectUpstream = (down: ServerHttp2Session) => {
    const list = upSessions.get(down) ?? [];
    const current = list[list.length - 1];
    if (current && !current.stale && !current.session.destroyed && !current.session.closed) return current;
    const session = http2.connect(`http://${authority}`, {
      settings: SETTINGS,
      maxSessionMemory: MAX_SESSION_MEMORY,
      createConnection: () =>
        net.connect({ host: options.upstream.host, port: options.upstream.port, noDelay: true }),
    });
    const entry = { session, dropped: false, stale: false, connected: false, error: null as Error | null };
    session.on('error', (err: Error) => {
      entry.dropped = true;
      entry.error ??= err;
    });
    session.on('close', () => {
      entry.dropped = true;
      entry.stale = true;
    });
    session.on('goaway', () => {
      entry.stale = true;
    });
    session.on('connect', () => {
      entry.connected = true;
      try {
        session.setLocalWindowSize(CONNECTION_WINDOW);
      } catch {
        /* session already gone */
      }
    });
    // Forget connections that are gone; keep the ones still carrying streams.
    upSessions.set(down, [...list.filter((e) => !e.session.destroyed), entry]);
    return entry;
  };

  const server: Http2Server = http2.createServer({
    settings: SETTINGS,
    maxSessionMemory: MAX_SESSION_MEMORY,
  });
  server.on('connection', (socket: net.Socket) => socket.setNoDelay(true));
  server.on('session', (session: ServerHttp2Session) => {
    downSessions.add(session);
    session.on('error', () => {
      /* 'close' follows */
    });
    session.on('connect', () => {
      try {
        session.setLocalWindowSize(CONNECTION_WINDOW);
      } catch {
        /* session already gone */
      }
    });
    session.on('close', () => {
      downSessions.delete(session);
      const ups = upSessions.get(session) ?? [];
      upSessions.delete(session);
      // The worker's connection is gone: the host sees its connection go too, after the
      // streams on it were reset by relayStream.
      if (ups.length > 0)
        setImmediate(() => {
          for (const up of ups) up.session.destroy();
        });
    });
  });
  server.on('stream', (stream, headers) => {
    const refusal = closing ?? refusing;
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
    const info: RelayStreamInfo = {
      path: String(headers[':path'] ?? ''),
      metadata: headersToMetadata(headers),
      upstream: authority,
      peer: formatHostPort({ host: socket?.remoteAddress ?? '?', port: socket?.remotePort ?? 0 }),
      atNs: clock.hrNs(),
      wallMs: clock.wallMs(),
    };
    const tap = options.onStream(info);
    const control: StreamRelayControl = relayStream(stream, headers, {
      upstream: () => {
        const entry = connectUpstream(downSession);
        return {
          session: entry.session,
          dropped: () => entry.dropped || entry.session.destroyed,
          connected: () => entry.connected,
          error: () => entry.error,
        };
      },
      authority,
      tap,
      clock,
      openedNs: info.atNs,
      maxBufferedBytes,
      initialHolds: held ? ['store'] : [],
      decideEnd: options.decideEnd(),
      onFinished: () => {
        streams.delete(control);
        if (streams.size === 0) for (const notify of idle) notify();
      },
    });
    streams.add(control);
  });

  const listen = options.listen;
  let bound: { address: string; port: number };
  if ('early' in listen) {
    listen.early.adopt((socket) => {
      server.emit('connection', socket);
      socket.resume(); // accepted unread (pauseOnConnect): the session reads it from here
    });
    bound = { address: listen.early.address.host, port: listen.early.address.port };
  } else {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(listen.port, listen.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    bound = server.address() as net.AddressInfo;
  }
  /** Stop accepting: the early listener's socket, or the server's own (its callback comes with an error when it never listened). */
  const stopAccepting = () =>
    'early' in listen ? listen.early.close() : new Promise<void>((resolve) => server.close(() => resolve()));

  const abortAll = (status: StreamStatus, reason: EndReason) => {
    for (const control of [...streams]) control.abort(status, reason);
  };

  return {
    address: { host: bound.address, port: bound.port },
    get activeStreams() {
      return streams.size;
    },
    hold() {
      if (held) return;
      held = true;
      for (const control of streams) control.hold('store');
    },
    release() {
      if (!held) return;
      held = false;
      for (const control of streams) control.release('store');
    },
    abortAll,
    refuseNew(status) {
      refusing = status;
    },
    whenIdle(timeoutMs) {
      if (streams.size === 0) return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        const notify = () => {
          clearTimeout(timer);
          idle.delete(notify);
          resolve(true);
        };
        const timer = setTimeout(() => {
          idle.delete(notify);
          resolve(false);
        }, timeoutMs);
        idle.add(notify);
      });
    },
    close(status, graceMs = 2000) {
      if (closed) return closed;
      closing = status;
      closed = (async () => {
        const serverClosed = stopAccepting();
        abortAll(status, 'shutdown');
        if (streams.size > 0) {
          let timer: NodeJS.Timeout | undefined;
          await new Promise<void>((resolve) => {
            const notify = () => resolve();
            idle.add(notify);
            timer = setTimeout(resolve, graceMs);
          });
          clearTimeout(timer);
          idle.clear();
          for (const control of streams) control.destroy();
        }
        for (const session of downSessions) session.close();
        for (const list of upSessions.values()) for (const { session } of list) session.close();
        await new Promise<void>((resolve) => setTimeout(resolve, 20));
        for (const session of downSessions) session.destroy();
        for (const list of upSessions.values()) for (const { session } of list) session.destroy();
        await serverClosed;
      })();
      return closed;
    },
  };
}
