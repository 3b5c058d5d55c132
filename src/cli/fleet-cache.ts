import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError, type CliIo } from './command.js';

/** A fleet database's URL (`postgres://…`, `postgresql://…`) rather than a file (checked without loading pg). */
export function isFleetUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//i.test(db);
}

/** `--db` of a reader that takes a file or a fleet database (show, export). */
export const READER_DB_OPTION = {
  type: 'string',
  demandOption: true,
  describe: 'the recording (SQLite file) or a fleet database (postgres://...; --session is then a uuid)',
} as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Run a reader command on a fleet database as on a file: with `--db postgres://...` the
 * sessions (the `--session UUID` one, or all) are pulled into a private temporary recording
 * first, the command runs on that, and the copy is removed after. A file runs as it is.
 * So every reader gives the same output for a file and for the database it was pushed to.
 * `run` also gets what to call the recording where its output names it: the file, or the
 * URL (password masked) and the session, never the temporary copy's path.
 */
export async function viaFleetCache<A extends { db: string; session?: string | undefined }>(
  args: A,
  io: CliIo,
  run: (args: A, io: CliIo, source: string) => Promise<number>,
): Promise<number> {
  if (!isFleetUrl(args.db)) return run(args, io, args.db);
  const uuid = args.session;
  if (uuid !== undefined && !UUID.test(uuid))
    throw new CliError(
      `--session ${JSON.stringify(uuid)}: in a fleet database a session is its uuid (see functape sessions --db postgres://...)`,
    );
  const { withFleet, fleetSessionsByUuid, listFleetSessions, pullSessions, safeUrl } = await import(
    '../recording/fleet/index.js'
  );
  const dir = mkdtempSync(join(tmpdir(), 'functape-cache-'));
  try {
    const path = join(dir, 'fleet.db');
    await withFleet(args.db, 'reading sessions', async (client) => {
      const sessions =
        uuid === undefined ? await listFleetSessions(client) : await fleetSessionsByUuid(client, [uuid]);
      if (!Array.isArray(sessions) && sessions.missing.length > 0)
        throw new CliError(`no session ${uuid} in the fleet database`);
      await pullSessions(client, Array.isArray(sessions) ? sessions : sessions.sessions, path);
    });
    const source = `${safeUrl(args.db)} (${uuid === undefined ? 'all sessions' : `session ${uuid}`})`;
    return await run({ ...args, db: path, session: undefined }, io, source);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
