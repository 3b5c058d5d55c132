import http2, { type ClientHttp2Session, type ServerHttp2Session, type Settings } from 'node:http2';
import net from 'node:net';

/** One upstream (host) connection and what became of it. */
export interface UpstreamEntry {
  session: ClientHttp2Session;
  dropped: boolean;
  stale: boolean;
  connected: boolean;
  error: Error | null;
}

/** Per worker connection, its upstream connections (the newest last; older ones went away). */
export type UpstreamSessions = Map<ServerHttp2Session, UpstreamEntry[]>;

/** HTTP/2 settings both legs advertise: large windows, so big messages flow without stalls. */
const STREAM_WINDOW = 4 * 1024 * 1024;
const CONNECTION_WINDOW = 32 * 1024 * 1024;
export const SETTINGS: Settings = { initialWindowSize: STREAM_WINDOW, maxHeaderListSize: 16 * 1024 * 1024 };
/** Node's per-session memory cap (MB) refuses streams when hit; backpressure bounds memory instead. */
export const MAX_SESSION_MEMORY = 1 << 20;

/** The upstream connection for streams of worker connection `down`: the current one, or a new one. */
export function connectUpstream(
  upSessions: UpstreamSessions,
  down: ServerHttp2Session,
  upstream: { host: string; port: number },
  authority: string,
): UpstreamEntry {
  const list = upSessions.get(down) ?? [];
  const current = list[list.length - 1];
  if (current && !current.stale && !current.session.destroyed && !current.session.closed) return current;
  const { host, port } = upstream;
  const session = http2.connect(`http://${authority}`, {
    settings: SETTINGS,
    maxSessionMemory: MAX_SESSION_MEMORY,
    createConnection: () => net.connect({ host, port, noDelay: true }),
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
    widenWindow(session);
  });
  // Forget connections that are gone; keep the ones still carrying streams.
  upSessions.set(down, [...list.filter((e) => !e.session.destroyed), entry]);
  return entry;
}

/** The connection window both legs use, once a session is connected. */
export function widenWindow(session: ClientHttp2Session | ServerHttp2Session): void {
  try {
    session.setLocalWindowSize(CONNECTION_WINDOW);
  } catch {
    /* session already gone */
  }
}

/** A worker connection: tracked while open; when it goes, its upstream connections go too. */
export function trackWorkerSession(
  downSessions: Set<ServerHttp2Session>,
  upSessions: UpstreamSessions,
  session: ServerHttp2Session,
): void {
  downSessions.add(session);
  session.on('error', () => {
    /* 'close' follows */
  });
  session.on('connect', () => widenWindow(session));
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
}
