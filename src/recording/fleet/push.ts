import type pg from 'pg';
import type { SessionInfo } from '../../model/session.js';
import type Database from 'better-sqlite3';
import { openForReading } from '../open-database.js';
import { openRecording, type Recording } from '../open-recording.js';
import { RecordingError } from '../recording-error.js';
import { asFleetError, connectFleet } from './pg-connect.js';
import { migrateFleet } from './pg-schema.js';
import { type PageSource, pageSource } from './push-pages.js';
import { pushSession, type SessionPush } from './push-session.js';
import { waitOrAbort } from './wait-or-abort.js';

export interface PushOptions {
  /** The recording (SQLite file); opened read-only. */
  db: string;
  /** The fleet database's URL. */
  to: string;
  /** The name the sessions are filed under. */
  host: string;
  /** Only these session ids (default: every session). */
  sessions?: readonly number[];
  /** Push sessions recorded with --redact off too. */
  allowUnredacted?: boolean;
  /** Keep pushing new frames and sessions until `signal` aborts, looking every `intervalMs`. */
  follow?: { signal: AbortSignal; intervalMs: number };
  /** Only sessions that have ended (what record/wrap --push-to push). */
  endedOnly?: boolean;
  /** With `follow`: a pass failed; the next comes after `retryMs` (undefined: it was the last). */
  onRetry?: (err: Error, retryMs: number | undefined) => void;
  /** Called after each session push that sent something or completed it. */
  onSession?: (p: SessionPush) => void;
  chunkFrames?: number;
}

export interface PushReport {
  sessions: SessionPush[];
  frames: number;
  bytes: number;
  ms: number;
}

/** A push that must not happen: the message is one line for the user (exit 2). */
export class PushRefused extends Error {
  override name = 'PushRefused';
}

/** What a push keeps between its passes (with --follow). */
interface PushState {
  client: pg.Client | undefined;
  /** Sessions the database holds whole: not looked at again. */
  done: Set<number>;
  backoffMs: number;
  /** A pass has connected once (and so checked the URL and the schema). */
  connected: boolean;
}

/** The page cache of the connection push reads frames on, in KiB (SQLite's default is 16 MB). */
const READER_CACHE_KIB = 2048;

/** The wait after the first failure of a following push; doubled after each one, up to MAX. */
export const RETRY_FIRST_MS = 1000;
export const RETRY_MAX_MS = 60_000;

/**
 * Push a recording's sessions into the fleet database (migrating its schema first). See
 * pushSession for what makes it idempotent and resumable. The recording is opened
 * read-only: a push never changes it. Without `follow`: one pass, and any failure throws.
 * With `follow`: a pass every `intervalMs`; a failure (the database down, the connection
 * lost) is reported to `onRetry` and the pass tried again after a backoff; when `signal`
 * aborts, one last pass, then it returns. A PushRefused always throws.
 */
export async function pushRecording(options: PushOptions): Promise<PushReport> {
  const rec = openRecording(options.db);
  // the frames are read on a connection of their own, as pages of rows (push-pages.ts)
  let reader: Database.Database | undefined;
  let source: PageSource;
  try {
    reader = openForReading(options.db).db;
    // read once, in seq order: only the b-trees' upper levels need caching (fewer pages touched)
    reader.pragma(`cache_size = -${READER_CACHE_KIB}`);
    source = pageSource(reader, options.db);
  } catch (err) {
    reader?.close();
    rec.close();
    throw err;
  }
  const started = performance.now();
  const report: PushReport = { sessions: [], frames: 0, bytes: 0, ms: 0 };
  const state: PushState = { client: undefined, done: new Set(), backoffMs: 0, connected: false };
  const follow = options.follow;
  try {
    for (;;) {
      const last = follow === undefined || follow.signal.aborted;
      try {
        const pending = await pushPass(rec, source, options, state, report);
        state.backoffMs = 0;
        // Nothing left half-pushed: hold no connection until there is something to push (a
        // pusher per recorder, on every host of a fleet, would otherwise keep one open for
        // its recorder's whole life, against the server's connection limit).
        if (follow && pending === 0) {
          await state.client?.end().catch(() => {});
          state.client = undefined;
        }
      } catch (err) {
        if (!follow || err instanceof PushRefused) throw err;
        await state.client?.end().catch(() => {});
        state.client = undefined;
        state.backoffMs = Math.min(RETRY_MAX_MS, state.backoffMs ? state.backoffMs * 2 : RETRY_FIRST_MS);
        options.onRetry?.(
          err instanceof Error ? err : new Error(String(err)),
          last ? undefined : state.backoffMs,
        );
        if (last) break;
        await waitOrAbort(state.backoffMs, follow.signal);
        continue;
      }
      if (last) break;
      await waitOrAbort(follow.intervalMs, follow.signal);
    }
  } finally {
    rec.close();
    reader.close();
    await state.client?.end().catch(() => {});
  }
  report.ms = performance.now() - started;
  return report;
}

/**
 * One pass: connect (and migrate) when not connected and there is something to push (the
 * first pass connects whatever there is, so a wrong URL or password shows at once), then
 * push every selected session. Returns how many of them are not whole in the database yet
 * (live sessions of a `--follow` push).
 */
async function pushPass(
  rec: Recording,
  source: PageSource,
  options: PushOptions,
  state: PushState,
  report: PushReport,
): Promise<number> {
  const todo = selected(rec, options, state.done);
  if (todo.length === 0 && state.connected) return 0;
  if (!state.client) {
    const client = await connectFleet(options.to);
    await migrateFleet(client).catch(async (err: unknown) => {
      await client.end().catch(() => {});
      throw asFleetError(err, options.to, 'cannot set up the schema');
    });
    state.client = client;
    state.connected = true;
  }
  const client = state.client;
  let pending = 0;
  for (const s of todo) {
    const p = await pushSession(client, source, s, options.host, options.chunkFrames).catch(
      (err: unknown) => {
        throw asFleetError(err, options.to, `pushing session ${s.id}`);
      },
    );
    if (p.complete) state.done.add(s.id);
    else pending++;
    report.frames += p.frames;
    report.bytes += p.bytes;
    if (p.frames > 0 || p.complete) {
      report.sessions.push(p);
      options.onSession?.(p);
    }
  }
  return pending;
}

/** The sessions to push now, checked: each has a uuid and, unless allowed, was redacted. */
function selected(
  rec: Recording,
  options: PushOptions,
  done: ReadonlySet<number>,
): (SessionInfo & { uuid: string })[] {
  const all = rec.sessions();
  const wanted = options.sessions;
  if (wanted) {
    const missing = wanted.filter((id) => !all.some((s) => s.id === id));
    if (missing.length > 0)
      throw new RecordingError(`no session ${missing.join(', ')} in ${options.db}`, 'missing', options.db);
  }
  const out: (SessionInfo & { uuid: string })[] = [];
  for (const s of all) {
    if (done.has(s.id) || (wanted && !wanted.includes(s.id)) || (options.endedOnly && !s.end)) continue;
    if (s.uuid === undefined)
      throw new PushRefused(
        `${options.db} is a schema version 1 recording, whose sessions have no uuid yet: any writing command migrates it (e.g. functape import --db ${options.db} --in /dev/null)`,
      );
    if (s.redactOff && !options.allowUnredacted)
      throw new PushRefused(
        `session ${s.id} of ${options.db} was recorded with --redact off: it may hold secrets; push it with --allow-unredacted if it does not (or functape redact it first)`,
      );
    out.push(s as SessionInfo & { uuid: string });
  }
  return out;
}
