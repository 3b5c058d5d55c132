import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { FUNCTAPE_VERSION } from '../version.js';
import { CliError, defineCommand } from './command.js';
import { requireDb } from './sessions.js';

export const importCommand = defineCommand({
  command: 'import',
  describe: 'Read NDJSON (as written by export) into a recording; all or nothing, the bytes are the truth',
  builder: (y) =>
    y
      .option('db', {
        type: 'string',
        demandOption: true,
        describe: 'the recording to add to (created with mode 0600 if missing)',
      })
      .option('in', { type: 'string', default: '-', describe: 'the NDJSON file, or - for stdin' })
      .option('redact', {
        choices: ['on', 'off'] as const,
        default: 'off' as const,
        describe: 'run messages through the capture-time redactor (off: store the bytes exactly as given)',
      }),
  run: async (args, io) => {
    requireDb(args.db);
    const { importNdjson, NdjsonError, RecordingError } = await import('../recording/index.js');
    const name = args.in === '-' ? 'stdin' : args.in;
    const source = args.in === '-' ? process.stdin : createReadStream(args.in);
    if (args.in !== '-') {
      await new Promise<void>((resolve, reject) => {
        source.once('open', () => resolve());
        source.once('error', (e: Error) => reject(new CliError(`cannot read ${name}: ${e.message}`)));
      });
    }
    let report;
    try {
      const lines = createInterface({ input: source, crlfDelay: Infinity });
      report = await importNdjson(args.db, lines, {
        redact: args.redact === 'on' ? {} : false,
        aborted: () => io.signal.aborted,
        functapeVersion: FUNCTAPE_VERSION,
      });
    } catch (err) {
      source.destroy();
      if (err instanceof NdjsonError) throw new CliError(`${name}: ${err.message} (nothing imported)`);
      if (err instanceof RecordingError) throw new CliError(`${err.message} (nothing imported)`);
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR')
        throw new CliError(`cannot read ${name}: ${(err as Error).message}`);
      throw err;
    }
    (await import('./private-file.js')).warnIfShared(args.db, 'import', io);
    const ids = [...report.sessions.values()];
    const renumbered = [...report.sessions]
      .filter(([from, to]) => from !== to)
      .map(([from, to]) => `${from} → ${to}`);
    io.stdout.write(
      `imported ${ids.length} session(s) (${ids.join(', ') || 'none'}), ${report.messages} messages into ${args.db}\n` +
        (renumbered.length
          ? `session ids already taken in ${args.db} were renumbered: ${renumbered.join(', ')}\n`
          : ''),
    );
    return 0;
  },
});
