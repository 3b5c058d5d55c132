import type { VerifyReport } from '../recording/verify-recording.js';
import { defineCommand } from './command.js';
import { isFleetUrl } from './fleet-cache.js';
import { requireDb } from './sessions.js';

export function formatVerifyReport(r: VerifyReport): string {
  const head = `${r.path}: schema v${r.schemaVersion}, ${r.sessions} session(s), ${r.frames} messages`;
  if (r.problems.length === 0)
    return `${head}\nok: integrity, seq and dirSeq without gaps, sizes match, every session ended`;
  return [
    head,
    ...r.problems.map((p) => `problem: ${p.message}`),
    `${r.problems.length} problem(s) found`,
  ].join('\n');
}

export const verifyCommand = defineCommand({
  command: 'verify',
  describe:
    'Check a recording: SQLite integrity, seq/dirSeq without gaps per session and direction, stored sizes, sessions that never ended (exit 1 on problems)',
  builder: (y) =>
    y
      .option('db', {
        type: 'string',
        demandOption: true,
        describe: 'the recording (SQLite file; opened read-only) or a fleet database (postgres://...)',
      })
      .option('json', { type: 'boolean', default: false, describe: 'print the report as JSON' }),
  run: async (args, io) => {
    const db = requireDb(args.db);
    let report: VerifyReport;
    if (isFleetUrl(db)) {
      const { withFleet, verifyFleet } = await import('../recording/fleet/index.js');
      report = await withFleet(db, 'verifying', (c) => verifyFleet(c, db));
    } else {
      const { verifyRecording } = await import('../recording/index.js');
      report = verifyRecording(db); // a RecordingError is a one-line exit 2 (cli/main)
    }
    io.stdout.write(args.json ? `${JSON.stringify(report)}\n` : `${formatVerifyReport(report)}\n`);
    return report.problems.length === 0 ? 0 : 1;
  },
});
