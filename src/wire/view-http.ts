import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { bracketHost, type HostPort } from '../model/host-address.js';

/** A request the viewer's routes see: already past the token and Host checks. */
export interface ViewRequest {
  path: string;
  query: URLSearchParams;
}

/** A whole answer, or a server-sent event stream that runs until `signal` aborts. */
export type ViewAnswer =
  | { status: number; type: string; body: string | Uint8Array }
  | { events: (send: (event: string, data: string) => void, signal: AbortSignal) => void };

export interface ViewHttpOptions {
  listen: HostPort;
  token: string;
  /** Accept any Host header (--allow-remote: the name people reach it by is not known). */
  anyHost: boolean;
  handle: (req: ViewRequest) => ViewAnswer | Promise<ViewAnswer>;
  /** A route that failed: its one-line error (the request gets a 500). */
  onError: (err: unknown) => void;
}

export interface ViewHttpServer {
  address: HostPort;
  /** `http://HOST:PORT/?token=…`, the one line `functape view` prints. */
  url: string;
  close(): Promise<void>;
}

const HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy':
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; " +
    "connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'none'",
};

/**
 * The viewer's HTTP server (GET only). Every request must carry `?token=` equal to the
 * random token and, unless `anyHost`, a Host header naming the listen address (or
 * `localhost` on a loopback one), else it gets 403 and nothing else: a page on another
 * origin, or one that rebinds its DNS name to 127.0.0.1, cannot read a recording.
 * `close` ends open event streams and connections.
 */
export async function startViewHttp(options: ViewHttpOptions): Promise<ViewHttpServer> {
  const streams = new Set<AbortController>();
  const server = createServer((req, res) => {
    serve(req, res).catch((err: unknown) => {
      options.onError(err);
      if (!res.headersSent) res.writeHead(500, { ...HEADERS, 'content-type': 'text/plain' });
      res.end('internal error\n');
    });
  });
  let hosts = new Set<string>();

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    if (!allowed(req, url)) {
      res.writeHead(403, { ...HEADERS, 'content-type': 'text/plain' }).end('forbidden\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...HEADERS, allow: 'GET' }).end();
      return;
    }
    const answer = await options.handle({ path: url.pathname, query: url.searchParams });
    if ('events' in answer) {
      const ac = new AbortController();
      streams.add(ac);
      res.writeHead(200, { ...HEADERS, 'content-type': 'text/event-stream' });
      res.write(': functape view\n\n');
      const stop = () => {
        streams.delete(ac);
        ac.abort();
      };
      res.on('close', stop);
      ac.signal.addEventListener('abort', () => res.end());
      answer.events((event, data) => res.write(`event: ${event}\ndata: ${data}\n\n`), ac.signal);
      return;
    }
    res.writeHead(answer.status, { ...HEADERS, 'content-type': answer.type });
    res.end(req.method === 'HEAD' ? undefined : answer.body);
  }

  function allowed(req: IncomingMessage, url: URL): boolean {
    const token = Buffer.from(url.searchParams.get('token') ?? '');
    const want = Buffer.from(options.token);
    if (token.length !== want.length || !timingSafeEqual(token, want)) return false;
    return options.anyHost || hosts.has((req.headers.host ?? '').toLowerCase());
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.listen.port, options.listen.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const address = { host: options.listen.host, port };
  hosts = new Set([`${bracketHost(address.host)}:${port}`.toLowerCase()]);
  if (/^(127\.|::1$)/.test(address.host)) hosts.add(`localhost:${port}`);
  return {
    address,
    url: `http://${bracketHost(address.host)}:${port}/?token=${options.token}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of streams) s.abort();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
