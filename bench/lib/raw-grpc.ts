import * as grpc from '@grpc/grpc-js';

// The same raw-bytes service definition functape's own peers use (no decoding on either
// side); the baseline adds nothing else of functape's.
import { RAW_EVENT_STREAM as definition } from '../../src/wire/grpc-peer.js';

const MAX = 2147483647;
const options: grpc.ChannelOptions = {
  'grpc.max_send_message_length': MAX,
  'grpc.max_receive_message_length': MAX,
};

export interface RawServer {
  port: number;
  close(): Promise<void>;
}

/**
 * The baseline "host": a plain grpc-js server on 127.0.0.1 that echoes every message of
 * every EventStream back on the same stream, unchanged and in order, honouring
 * backpressure, and ends the call OK when the client half-closes.
 */
export async function startEchoServer(): Promise<RawServer> {
  const server = new grpc.Server(options);
  server.addService(definition, {
    EventStream: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
      call.on('data', (b: Buffer) => {
        if (!call.write(b)) {
          call.pause();
          call.once('drain', () => call.resume());
        }
      });
      call.on('end', () => call.end());
      call.on('error', () => undefined);
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2000).unref();
      }),
  };
}

export interface RawCall {
  call: grpc.ClientDuplexStream<Buffer, Buffer>;
  /** Resolves with the final status code once the call is over. */
  done: Promise<number>;
  close(): void;
}

const Client = grpc.makeGenericClientConstructor(definition, 'FunctionRpc');

/** The baseline "worker": a plain grpc-js client opening one EventStream to `target` on a fresh channel. */
export function openEventStream(target: string): RawCall {
  const client = new Client(target, grpc.credentials.createInsecure(), options) as unknown as grpc.Client & {
    EventStream(): grpc.ClientDuplexStream<Buffer, Buffer>;
  };
  const call = client.EventStream();
  const done = new Promise<number>((resolve) => {
    call.on('status', (s: grpc.StatusObject) => resolve(s.code));
    call.on('error', () => undefined);
  });
  return { call, done, close: () => client.close() };
}
