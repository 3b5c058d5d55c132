import { CliError, defineCommand } from './command.js';
import { requireDb } from './sessions.js';
import { requirePostgresUrl } from './push.js';

export const pullCommand = defineCommand({
  command: 'pull',
  describe:
    'Bring sessions from a fleet PostgreSQL database back into a recording (export gives the original bytes)',
  builder: (y) =>
    y
      .option('from', { type: 'string', demandOption: true, describe: 'postgres://USER@HOST/DB' })
      .option('session', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: 'a session uuid (repeatable; see functape sessions --db postgres://...)',
      })
      .option('db', {
        type: 'string',
        demandOption: true,
        describe: 'the recording to write (created if missing)',
      }),
  run: async (args, io) => {
    requireDb(args.db);
    const from = requirePostgresUrl('from', args.from);
    const uuids = (args.session ?? []).map(String);
    if (uuids.length === 0) throw new CliError('--session needs a session uuid');
    const { withFleet, fleetSessionsByUuid, pullSessions } = await import('../recording/fleet/index.js');
    const pulled = await withFleet(from, 'pulling', async (client) => {
      const found = await fleetSessionsByUuid(client, uuids);
      if (found.missing.length > 0)
        throw new CliError(`no session ${found.missing.join(', ')} in the fleet database`);
      return pullSessions(client, found.sessions, args.db);
    });
    for (const p of pulled)
      io.stdout.write(
        p.present
          ? `session ${p.uuid}: already in ${args.db}\n`
          : `session ${p.uuid}: ${p.frames} message(s) into session ${p.id} of ${args.db}\n`,
      );
    return 0;
  },
});
