import * as grpc from '@grpc/grpc-js';
import { constants as http2Constants, type ServerHttp2Stream } from 'node:http2';
import type { Duplex as NodeDuplex } from 'node:stream';
import type { Duplex } from '../model/duplex.js';
import { HOST_MAX_MESSAGE_BYTES, formatHostPort } from '../model/host-address.js';
import type { Metadata, StreamStatus } from '../model/session.js';
import { probePort } from './probe-port.js';
import { adapt, toBuffer } from './grpc-call.js';

export { frameMessages } from './grpc-call.js';

/**
 * The grpc-js side of `Duplex`: play the host (gRPC server) or a worker (gRPC client) on
 * `FunctionRpc.EventStream`, with raw message bytes (identity serialization: nothing is
 * decoded here). Used by the reference peers, replay drivers and bench.
 */

export const EVENT_STREAM_PATH = '/AzureFunctionsRpcMessages.FunctionRpc/EventStream';

/** A Duplex with receive-side flow control: while paused, grpc-js stops reading from the socket. */
export interface PeerDuplex extends Duplex {
  pause(): void;
  resume(): void;
  /** Resolves when the peer finished its side (half-close), after every earlier message was delivered (or queued, before onMessage). */
  readonly peerEnded: Promise<void>;
  /**
   * Send several messages, in order, as one write: one HTTP/2 DATA payload holding the
   * length-prefixed messages back to back (gRPC framing allows it), so one socket write
   * instead of one per message. Same bytes on the wire as `send` for each; falls back to
   * that when the fast path is not available (client side, before the response headers, or
   * while grpc-js still holds earlier messages). Returns false when the caller should wait
   * for `drained()`.
   */
  sendMany(list: readonly Uint8Array[]): boolean;
  /**
   * Host side only: end the stream abruptly, as a crashing host would: RST_STREAM (CANCEL)
   * on the HTTP/2 stream, then the whole connection dropped. Falls back to `cancel()` when
   * the HTTP/2 stream cannot be reached.
   */
  abort?(): void;
}

export interface HostListener {
  /** The bound port (the real one when 0 was asked). */
  readonly port: number;
  /** `host:port` to give workers. */
  readonly address: string;
  /** Receive every EventStream a worker opens. Streams opened before this is called are buffered. */
  onStream(cb: (duplex: PeerDuplex) => void): void;
  /** Stop accepting; let open calls finish for `graceMs` (default 2000), then cut them. Idempotent. */
  close(graceMs?: number): Promise<void>;
}

const identity = (b: Buffer): Buffer => b;

/** FunctionRpc.EventStream over raw bytes: what a host serves and a worker calls, nothing decoded. */
export const RAW_EVENT_STREAM: grpc.ServiceDefinition = {
  EventStream: {
    path: EVENT_STREAM_PATH,
    requestStream: true,
    responseStream: true,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: toBuffer,
    responseDeserialize: identity,
    originalName: 'eventStream',
  },
};

function channelOptions(max: number): grpc.ChannelOptions {
  return {
    'grpc.max_receive_message_length': max,
    'grpc.max_send_message_length': max,
    // A retrying client buffers every message it sends; EventStream is never retried.
    'grpc.enable_retries': 0,
  };
}

/** grpc-js Metadata → transport-neutral Metadata (binary values as base64). */
export function fromGrpcMetadata(md: grpc.Metadata | undefined | null): Metadata {
  const out: Metadata = {};
  if (!md) return out;
  for (const [key, values] of Object.entries(md.toJSON())) {
    out[key] = values.map((v) => (typeof v === 'string' ? v : Buffer.from(v).toString('base64')));
  }
  return out;
}

export function toGrpcMetadata(md: Metadata | undefined): grpc.Metadata {
  const out = new grpc.Metadata();
  for (const [key, values] of Object.entries(md ?? {})) {
    for (const v of values) {
      if (key.endsWith('-bin')) out.add(key, Buffer.from(v, 'base64'));
      else out.add(key, v);
    }
  }
  return out;
}

/**
 * The HTTP/2 stream under a grpc-js server call, once its response headers are out (until
 * then grpc-js must send them with the first message). grpc-js does not expose it: this
 * reads the fields of its server call (`call.call.stream`, `metadataSent`, grpc-js 1.10+
 * without interceptors) and answers undefined when they are not there or not what they
 * should be, so another grpc-js version only loses the fast path.
 */
export function serverHttp2Stream(call: grpc.ServerDuplexStream<Buffer, Buffer>): NodeDuplex | undefined {
  const base = (call as unknown as { call?: { stream?: unknown; metadataSent?: unknown } }).call;
  if (base?.metadataSent !== true) return undefined;
  const s = base.stream as Partial<NodeDuplex & { respond: unknown; sendTrailers: unknown }> | undefined;
  if (
    !s ||
    typeof s.write !== 'function' ||
    typeof s.respond !== 'function' ||
    typeof s.sendTrailers !== 'function'
  )
    return undefined;
  return s as NodeDuplex;
}

/** Listen as a Functions host: a grpc-js server on `host:port` (port 0 = any free port); a taken port rejects without a grpc-js log line. */
export function listenAsHost(opts: {
  host: string;
  port: number;
  maxMessageBytes?: number;
}): Promise<HostListener> {
  const max = opts.maxMessageBytes ?? HOST_MAX_MESSAGE_BYTES;
  const server = new grpc.Server(channelOptions(max));
  let cb: ((duplex: PeerDuplex) => void) | undefined;
  const pending: PeerDuplex[] = [];
  server.addService(RAW_EVENT_STREAM, {
    EventStream: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
      const duplex = serverDuplex(call);
      if (cb) cb(duplex);
      else pending.push(duplex);
    },
  });
  const free = opts.port !== 0 ? probePort(opts.host, opts.port) : Promise.resolve();
  return free.then(
    () =>
      new Promise((resolve, reject) => {
        server.bindAsync(formatHostPort(opts), grpc.ServerCredentials.createInsecure(), (err, port) => {
          if (err) {
            server.forceShutdown();
            reject(err);
            return;
          }
          let closing: Promise<void> | undefined;
          resolve({
            port,
            address: formatHostPort({ host: opts.host, port }),
            onStream(handler) {
              cb = handler;
              while (pending.length > 0) handler(pending.shift()!);
            },
            close(graceMs = 2000) {
              closing ??= new Promise<void>((done) => {
                const timer = setTimeout(() => server.forceShutdown(), graceMs);
                server.tryShutdown(() => {
                  clearTimeout(timer);
                  done();
                });
              });
              return closing;
            },
          });
        });
      }),
  );
}

function serverDuplex(call: grpc.ServerDuplexStream<Buffer, Buffer>): PeerDuplex {
  let h2: NodeDuplex | undefined;
  const raw = () => (h2 ??= serverHttp2Stream(call));
  const duplex = serverAdapt(call, raw);
  duplex.abort = () => {
    const base = (call as unknown as { call?: { stream?: Partial<ServerHttp2Stream> } }).call;
    const s = base?.stream;
    if (!s || typeof s.close !== 'function') return duplex.cancel();
    const session = s.session;
    s.close(http2Constants.NGHTTP2_CANCEL);
    setImmediate(() => session?.destroy());
  };
  return duplex;
}

function serverAdapt(
  call: grpc.ServerDuplexStream<Buffer, Buffer>,
  raw: () => NodeDuplex | undefined,
): PeerDuplex {
  return adapt(
    call as unknown as NodeDuplex,
    fromGrpcMetadata(call.metadata),
    (settle) => {
      let sent: StreamStatus | undefined;
      call.on('finish', () => {
        const status = sent ?? { code: 0, details: 'OK' };
        settle({ status, clean: status.code === 0 && call.readableEnded });
      });
      call.on('cancelled', () =>
        settle({ status: { code: grpc.status.CANCELLED, details: 'Cancelled' }, clean: false }),
      );
      call.on('close', () => {
        if (!sent) settle({ status: { code: grpc.status.CANCELLED, details: 'Call closed' }, clean: false });
      });
      const finish = (status: StreamStatus) => {
        if (sent) return;
        sent = status;
        if (status.code === 0) {
          call.end(toGrpcMetadata(status.metadata));
        } else {
          // ServerDuplexStreamImpl turns an 'error' event into the call's final status.
          call.emit('error', {
            code: status.code,
            details: status.details,
            metadata: toGrpcMetadata(status.metadata),
          });
        }
      };
      return {
        end: (status) => finish(status ?? { code: 0, details: 'OK' }),
        cancel: (status) => finish(status ?? { code: grpc.status.CANCELLED, details: 'Cancelled' }),
      };
    },
    raw,
  );
}

/**
 * Dial a host as a worker does. The call starts at once (metadata = request headers);
 * a host that is down shows as `done` with UNAVAILABLE. The channel is closed when the
 * call is over.
 */
export function dialAsWorker(opts: {
  address: string;
  metadata?: Metadata;
  maxMessageBytes?: number;
}): PeerDuplex {
  const max = opts.maxMessageBytes ?? HOST_MAX_MESSAGE_BYTES;
  const client = new grpc.Client(opts.address, grpc.credentials.createInsecure(), channelOptions(max));
  const call = client.makeBidiStreamRequest<Buffer, Buffer>(
    EVENT_STREAM_PATH,
    toBuffer,
    identity,
    toGrpcMetadata(opts.metadata),
  );
  const headers: Metadata = {};
  call.on('metadata', (md: grpc.Metadata) => Object.assign(headers, fromGrpcMetadata(md)));
  return adapt(call as unknown as NodeDuplex, headers, (settle) => {
    let status: StreamStatus | undefined;
    const finish = () => {
      if (!status) return;
      client.close();
      settle({ status, clean: status.code === 0 && call.writableEnded });
    };
    call.on('status', (s: grpc.StatusObject) => {
      status = { code: s.code, details: s.details, metadata: fromGrpcMetadata(s.metadata) };
      // Deliver every message before `done`: wait for the readable side to end.
      if (call.readableEnded || call.destroyed) finish();
    });
    call.on('end', finish);
    call.on('close', finish);
    return {
      end: () => {
        if (!call.writableEnded) call.end();
      },
      cancel: () => call.cancel(),
    };
  });
}
