import type { StatsGroup, StatsReport } from '../model/stats.js';
import { CliError, defineCommand } from './command.js';
import { isFleetUrl } from './fleet-cache.js';
import { requireDb } from './sessions.js';
import { timeFlag } from './time-flag.js';

const GROUPS: readonly StatsGroup[] = ['function', 'host', 'label', 'day'];

export const statsCommand = defineCommand({
  command: 'stats',
  describe:
    'Per function, host, label or day: sessions, invocations, failures, cancellations, service time p50/p90/p99/max, RpcLogs per invocation, bytes each way (computed in the database)',
  builder: (y) =>
    y
      .option('db', {
        type: 'string',
        demandOption: true,
        describe: 'a recording (SQLite file) or a fleet database (postgres://...)',
      })
      .option('by', { type: 'string', default: 'function', describe: 'function, host, label or day' })
      .option('since', { type: 'string', describe: 'sessions started since: a date or an age (7d, 12h)' })
      .option('until', { type: 'string', describe: 'sessions started before: a date or an age' })
      .option('json', { type: 'boolean', default: false, describe: 'print the report as JSON' }),
  run: async (args, io) => {
    const db = requireDb(args.db);
    const by = args.by as StatsGroup;
    if (!GROUPS.includes(by)) throw new CliError(`--by ${JSON.stringify(args.by)}: use ${GROUPS.join(', ')}`);
    const now = Date.now();
    const sinceMs = timeFlag('since', args.since, now);
    const untilMs = timeFlag('until', args.until, now);
    const report: StatsReport = { source: db, by, rows: [] };
    if (sinceMs !== undefined) report.sinceMs = sinceMs;
    if (untilMs !== undefined) report.untilMs = untilMs;
    if (isFleetUrl(db)) {
      const fleet = await import('../recording/fleet/index.js');
      report.source = fleet.safeUrl(db);
      report.rows = await fleet.withFleet(db, 'computing stats', (c) =>
        fleet.fleetStats(c, by, sinceMs, untilMs),
      );
    } else {
      const { recordingStats } = await import('../recording/index.js');
      report.rows = recordingStats(db, by, sinceMs, untilMs); // a RecordingError is a one-line exit 2
    }
    const { formatStatsText } = await import('../report/stats-text.js');
    io.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatStatsText(report)}\n`);
    return 0;
  },
});
