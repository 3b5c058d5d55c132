import { createServer } from 'node:net';

/**
 * Resolves when `host:port` can be listened on right now, rejects with the listen error
 * (EADDRINUSE, EACCES, EADDRNOTAVAIL) otherwise. grpc-js logs a failed bind on stderr
 * before it reports it; probing first keeps a taken port to the caller's one line. A port
 * taken between the probe and the bind still fails, with grpc-js's log line.
 */
export function probePort(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve()));
  });
}
