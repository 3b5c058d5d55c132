import Database from 'better-sqlite3';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnFunctape, spawnNode, cpuMs, type Child, type ExitReport } from './proc.js';

/** A `functape record` child process between the load agent's client and its echo server. */
export interface RecordProxy {
  /** host:port the workers dial (what `record` printed). */
  target: string;
  child: Child;
  db: string;
  /** CPU ms the proxy process has used so far (all its threads). */
  cpuMs(): number;
  /** SIGTERM (flush and close), wait for exit; returns the exit report and code. */
  stop(): Promise<{ code: number | null; report?: ExitReport }>;
}

let counter = 0;

/** Start `functape record --listen 127.0.0.1:0 --upstream 127.0.0.1:PORT --db FILE` and wait for `listening on`. */
export async function startRecord(
  tmp: string,
  upstreamPort: number,
  extra: string[] = [],
): Promise<RecordProxy> {
  counter += 1;
  const db = join(tmp, `record-${process.pid}-${counter}.db`);
  const child = spawnFunctape(
    [
      'record',
      '--listen',
      '127.0.0.1:0',
      '--upstream',
      `127.0.0.1:${upstreamPort}`,
      '--db',
      db,
      '--label',
      'bench',
      ...extra,
    ],
    { measure: `${db}.exit.json` },
  );
  try {
    const m = await child.waitFor(/listening on (\S+):(\d+)/);
    return {
      target: `${m[1] === '0.0.0.0' || m[1] === '::' ? '127.0.0.1' : m[1]}:${m[2]}`,
      child,
      db,
      cpuMs: () => cpuMs(child.pid) ?? NaN,
      stop: async () => {
        const r = await child.stop('SIGTERM');
        const report = child.exitReport();
        return report ? { code: r.code, report } : { code: r.code };
      },
    };
  } catch (err) {
    await child.stop('SIGKILL');
    throw err;
  }
}

/** Frames in a recording per direction, straight from SQL (independent of functape's reader). */
export interface CapturedCounts {
  toHost: number;
  toWorker: number;
  sessions: number;
  /** Frames whose (session, seq) repeats, or whose seq leaves a gap. */
  seqProblems: number;
}

export function countCaptured(db: string): CapturedCounts {
  const d = new Database(db, { readonly: true, fileMustExist: true });
  try {
    const rows = d.prepare('SELECT direction, count(*) AS n FROM frames GROUP BY direction').all() as Array<{
      direction: string;
      n: number;
    }>;
    const seq = d
      .prepare(
        'SELECT session_id, count(*) AS n, count(DISTINCT seq) AS d, max(seq) AS mx FROM frames GROUP BY session_id',
      )
      .all() as Array<{ n: number; d: number; mx: number }>;
    const sessions = (
      d.prepare('SELECT count(*) AS n FROM sessions WHERE start_wall_ms IS NOT NULL').get() as { n: number }
    ).n;
    return {
      toHost: rows.find((r) => r.direction === 'toHost')?.n ?? 0,
      toWorker: rows.find((r) => r.direction === 'toWorker')?.n ?? 0,
      sessions,
      seqProblems: seq.reduce((acc, s) => acc + (s.n - s.d) + (s.mx + 1 - s.n), 0),
    };
  } finally {
    d.close();
  }
}

/** Completeness of one proxied run: 100 when exactly what was forwarded is in the recording. */
export interface CompletenessRecord {
  benchmark: string;
  forwardedToHost: number;
  forwardedToWorker: number;
  captured: CapturedCounts;
  percent: number;
}

export function completeness(
  benchmark: string,
  forwardedToHost: number,
  forwardedToWorker: number,
  captured: CapturedCounts,
): CompletenessRecord {
  const exact =
    captured.toHost === forwardedToHost &&
    captured.toWorker === forwardedToWorker &&
    captured.seqProblems === 0;
  const forwarded = forwardedToHost + forwardedToWorker;
  const percent = exact
    ? 100
    : Math.min(
        99.999,
        (100 * Math.min(captured.toHost, forwardedToHost) +
          100 * Math.min(captured.toWorker, forwardedToWorker)) /
          forwarded,
      );
  return { benchmark, forwardedToHost, forwardedToWorker, captured, percent };
}

/** functape's relay with capture dropped (see relay-child.ts): for telling relay cost from capture cost. */
export function startRelayOnly(upstreamPort: number): Promise<ChildRelay> {
  return startChildRelay('./relay-child.js', upstreamPort);
}

/** A plain TCP pipe (see pipe-child.ts): what any relay in Node pays before doing anything of its own. */
export function startTcpPipe(upstreamPort: number): Promise<ChildRelay> {
  return startChildRelay('./pipe-child.js', upstreamPort);
}

/** A relay in a child process: where to dial it, and how to stop it. */
export interface ChildRelay {
  target: string;
  child: Child;
  stop(): Promise<unknown>;
}

/** Start a child entry of this folder that takes the upstream port and prints `listening on H:P`. */
async function startChildRelay(entry: string, upstreamPort: number): Promise<ChildRelay> {
  const child = spawnNode([fileURLToPath(new URL(entry, import.meta.url)), String(upstreamPort)]);
  try {
    const m = await child.waitFor(/listening on (\S+):(\d+)/);
    return { target: `127.0.0.1:${m[2]}`, child, stop: () => child.stop('SIGTERM') };
  } catch (err) {
    await child.stop('SIGKILL');
    throw err;
  }
}
