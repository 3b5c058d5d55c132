import { FAILED_END_REASONS, type SessionInfo } from '../model/session.js';
import { CliError, defineCommand } from './command.js';
import { isFleetUrl } from './fleet-cache.js';
import { timeFlag } from './time-flag.js';

const CODES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
];

/**
 * `--db` must name a file. (yargs reports a missing required flag through main's fail
 * handler but may still call the command, so each command checks again.)
 */
export function requireDb(db: unknown): string {
  if (typeof db !== 'string' || db.trim() === '') throw new CliError('Missing required argument: db');
  return db;
}

/** `OK (completed)`, `UNAVAILABLE: no connection (host-gone)`, `the worker ended its stream 12 ms after WorkerTerminate, within its 5 s grace period (terminated)`, `not ended`. */
export function formatFinalStatus(s: SessionInfo): string {
  if (!s.end) return 'not ended';
  const st = s.end.status;
  // A normal shutdown reads as one, whatever status the broken-off call left.
  if (s.end.reason === 'terminated')
    return `${st?.details || 'the worker ended its stream after WorkerTerminate'} (terminated)`;
  const code = st ? (CODES[st.code] ?? `code ${st.code}`) : 'no status';
  const details =
    st?.details && st.details.toUpperCase() !== code
      ? `: ${st.details.length > 60 ? `${st.details.slice(0, 59)}…` : st.details}`
      : '';
  const unstored = s.end.unstored ? `, ${s.end.unstored} unstored` : '';
  return `${code}${details} (${s.end.reason}${unstored})`;
}

function duration(s: SessionInfo): string {
  if (!s.end) return '-';
  const ms = Number(s.end.endNs / 1000n) / 1000;
  if (ms < 1000) return `${ms.toFixed(1)}ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(2)}s`;
  return `${(ms / 60_000).toFixed(1)}min`;
}

/** Local-free, sortable start time: `2026-11-25 14:46:33.123Z`. */
function startTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ');
}

/** Session info as JSON-ready data (bigints as strings). */
export function sessionJson(s: SessionInfo): unknown {
  return JSON.parse(JSON.stringify(s, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
}

/** The table; sessions of a fleet database (with a host) lead with their uuid and host. */
export function formatSessionTable(sessions: readonly (SessionInfo & { host?: string })[]): string {
  const fleet = sessions.some((s) => s.host !== undefined);
  const lead = (s: SessionInfo & { host?: string }) => (fleet ? [s.uuid ?? '', s.host ?? ''] : []);
  const rows = sessions.map((s) => [
    ...lead(s),
    String(s.id),
    s.label ?? '',
    s.workerId ?? '',
    startTime(s.startWallMs),
    duration(s),
    String(s.counts.toHost),
    String(s.counts.toWorker),
    formatFinalStatus(s),
  ]);
  const head = [
    ...(fleet ? ['UUID', 'HOST'] : []),
    ...['ID', 'LABEL', 'WORKER', 'START (UTC)', 'DURATION', '→HOST', '→WORKER', 'FINAL STATUS'],
  ];
  const right = new Set([0, 4, 5, 6].map((i) => i + (fleet ? 2 : 0)));
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [fmt(head), ...rows.map(fmt)].join('\n');
}

export const sessionsCommand = defineCommand({
  command: 'sessions',
  describe:
    'List the sessions of a recording or a fleet database: id, label, worker id, start, duration, messages each way, final status',
  builder: (y) =>
    y
      .option('db', {
        type: 'string',
        demandOption: true,
        describe: 'the recording (SQLite file) or a fleet database (postgres://...)',
      })
      .option('json', { type: 'boolean', default: false, describe: 'print a JSON array of sessions' })
      .option('host', { type: 'string', describe: 'a fleet database: only sessions pushed from this host' })
      .option('label', { type: 'string', describe: 'only sessions with this label' })
      .option('since', {
        type: 'string',
        describe: 'only sessions started since: a date or an age (7d, 12h)',
      })
      .option('until', { type: 'string', describe: 'only sessions started before: a date or an age' })
      .option('failed', {
        type: 'boolean',
        default: false,
        describe: 'only sessions with a failed invocation or a broken stream',
      }),
  run: async (args, io) => {
    const db = requireDb(args.db);
    const now = Date.now();
    const filter = {
      ...(args.host !== undefined ? { host: args.host } : {}),
      ...(args.label !== undefined ? { label: args.label } : {}),
      ...optional('sinceMs', timeFlag('since', args.since, now)),
      ...optional('untilMs', timeFlag('until', args.until, now)),
      failed: args.failed,
    };
    let sessions: SessionInfo[];
    if (isFleetUrl(db)) {
      const { withFleet, listFleetSessions } = await import('../recording/fleet/index.js');
      sessions = await withFleet(db, 'listing sessions', (c) => listFleetSessions(c, filter));
    } else {
      if (filter.host !== undefined)
        throw new CliError('--host picks the hosts of a fleet database (postgres://...)');
      sessions = await fileSessions(db, filter);
    }
    if (args.json) io.stdout.write(`${JSON.stringify(sessions.map(sessionJson), null, 2)}\n`);
    else if (sessions.length === 0) io.stdout.write(`${args.db}: no sessions\n`);
    else io.stdout.write(`${formatSessionTable(sessions)}\n`);
    return 0;
  },
});

function optional<K extends string>(key: K, v: number | undefined): { [k in K]?: number } {
  return v === undefined ? {} : ({ [key]: v } as { [k in K]: number });
}

/** A file's sessions, filtered as listFleetSessions filters a fleet's. */
async function fileSessions(
  db: string,
  f: { label?: string; sinceMs?: number; untilMs?: number; failed: boolean },
): Promise<SessionInfo[]> {
  const { openRecording, failedSessionIds } = await import('../recording/index.js');
  const rec = openRecording(db); // a RecordingError is a one-line exit 2 (cli/main)
  let sessions: SessionInfo[];
  try {
    sessions = rec.sessions();
  } finally {
    rec.close();
  }
  const failed = f.failed ? failedSessionIds(db, FAILED_END_REASONS) : undefined;
  return sessions.filter(
    (s) =>
      (f.label === undefined || s.label === f.label) &&
      (f.sinceMs === undefined || s.startWallMs >= f.sinceMs) &&
      (f.untilMs === undefined || s.startWallMs < f.untilMs) &&
      (failed === undefined || failed.has(s.id)),
  );
}
