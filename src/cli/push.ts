import { hostname } from 'node:os';
import { CliError, defineCommand } from './command.js';
import { isFleetUrl } from './fleet-cache.js';
import { requireDb } from './sessions.js';
import { durationFlag } from './flag-values.js';
import { untilInputEnds } from './push-to.js';

/** `--session` given any number of times: whole numbers from 1. */
export function sessionIds(value: unknown): number[] | undefined {
  if (value === undefined) return undefined;
  const list = (Array.isArray(value) ? value : [value]).map(String);
  return list.map((v) => {
    if (!/^\d+$/.test(v) || Number(v) < 1)
      throw new CliError(`--session ${JSON.stringify(v)}: a session id, a whole number`);
    return Number(v);
  });
}

/** `--to` / `--from`: a PostgreSQL URL. */
export function requirePostgresUrl(flag: string, value: unknown): string {
  if (typeof value !== 'string' || !isFleetUrl(value))
    throw new CliError(`--${flag} needs a PostgreSQL URL (postgres://USER@HOST/DB?sslmode=...)`);
  return value;
}

export const pushCommand = defineCommand({
  command: 'push',
  describe:
    'Upload sessions of a recording into a fleet PostgreSQL database (idempotent and resumable; the file is not changed)',
  builder: (y) =>
    y
      .option('db', {
        type: 'string',
        demandOption: true,
        describe: 'the recording (SQLite file); opened read-only',
      })
      .option('to', {
        type: 'string',
        demandOption: true,
        describe: 'postgres://USER@HOST/DB (password, sslmode, ... in the URL or the PG* variables)',
      })
      .option('session', { type: 'string', array: true, describe: 'only this session id (repeatable)' })
      .option('host', {
        type: 'string',
        describe: 'the name the sessions are filed under (default: this host name)',
      })
      .option('follow', {
        type: 'boolean',
        default: false,
        describe: 'keep pushing new frames and new sessions until stopped (SIGINT/SIGTERM)',
      })
      .option('ended-only', {
        type: 'boolean',
        default: false,
        describe: 'only sessions that have ended (what record and wrap --push-to run)',
      })
      .option('until-stdin-ends', {
        type: 'boolean',
        default: false,
        describe: 'with --follow: also stop (after one last pass) when stdin ends (what --push-to runs)',
      })
      .option('interval', {
        type: 'string',
        default: '1s',
        describe: 'with --follow: how often to look for more',
      })
      .option('allow-unredacted', {
        type: 'boolean',
        default: false,
        describe: 'push sessions recorded with --redact off too',
      })
      .option('quiet', { type: 'boolean', default: false, describe: 'print only the summary line' }),
  run: async (args, io) => {
    requireDb(args.db);
    const to = requirePostgresUrl('to', args.to);
    const sessions = sessionIds(args.session);
    const intervalMs = durationFlag('interval', args.interval);
    const host = args.host ?? hostname();
    if (host.trim() === '') throw new CliError('--host needs a name');
    const { pushRecording, PushRefused } = await import('../recording/fleet/index.js');
    // A background pusher (record/wrap --push-to) outlives the recorder that reads its stderr.
    io.stderr.on('error', () => {});
    const stop = args['until-stdin-ends'] ? untilInputEnds(io.signal, process.stdin) : io.signal;
    try {
      const report = await pushRecording({
        db: args.db,
        to,
        host,
        ...(sessions ? { sessions } : {}),
        allowUnredacted: args['allow-unredacted'],
        ...(args.follow ? { follow: { signal: stop, intervalMs } } : {}),
        endedOnly: args['ended-only'],
        onRetry: (err, retryMs) =>
          io.stderr.write(
            `functape push: ${err.message}; ${retryMs === undefined ? 'stopping (functape push catches up later)' : `trying again in ${retryMs / 1000} s`}\n`,
          ),
        onSession: (p) => {
          if (!args.quiet)
            io.stdout.write(
              `session ${p.id} (${p.uuid}): ${p.frames} message(s) sent${p.complete ? ', complete' : ''}\n`,
            );
        },
      });
      const s = report.ms / 1000;
      io.stdout.write(
        `pushed ${report.frames} message(s), ${(report.bytes / 1048576).toFixed(1)} MiB in ${s.toFixed(2)} s` +
          ` (${Math.round(report.frames / Math.max(s, 0.001))} messages/s) from ${report.sessions.length} session(s) as host ${host}\n`,
      );
      return 0;
    } catch (err) {
      if (err instanceof PushRefused) throw new CliError(err.message);
      throw err;
    }
  },
});
