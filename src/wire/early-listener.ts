import net from 'node:net';

/**
 * A TCP listener opened before the server that will serve it exists (`wrap` starts its
 * worker before the CLI has loaded everything). Connections accepted meanwhile are not
 * read (pauseOnConnect) and wait, in order, until `adopt` hands them and every later one
 * to the server; none is lost or half-read.
 */
export interface EarlyListener {
  readonly address: { host: string; port: number };
  /** Give every waiting and future connection to `serve`. Once. */
  adopt(serve: (socket: net.Socket) => void): void;
  /** Stop accepting; connections already handed over are the server's. Idempotent. */
  close(): Promise<void>;
}

export async function listenEarly(host: string): Promise<EarlyListener> {
  const waiting: net.Socket[] = [];
  let serve: ((socket: net.Socket) => void) | undefined;
  const server = net.createServer({ pauseOnConnect: true, noDelay: true }, (socket) => {
    if (serve) serve(socket);
    else {
      socket.on('error', () => {
        /* a connection gone before adoption: nothing to relay */
      });
      waiting.push(socket);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as net.AddressInfo;
  let closed: Promise<void> | undefined;
  return {
    address: { host: bound.address, port: bound.port },
    adopt(handler) {
      if (serve) throw new Error('early listener adopted twice');
      serve = handler;
      for (const socket of waiting.splice(0)) if (!socket.destroyed) handler(socket);
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        for (const socket of waiting.splice(0)) socket.destroy();
        server.close(() => resolve());
      });
      return closed;
    },
  };
}
