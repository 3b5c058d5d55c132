import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { CliError, defineCommand } from './command.js';
import { requireDb } from './sessions.js';
import { checkSessionId } from './show.js';

interface ExportArgs {
  db: string;
  session?: number;
  out?: string;
}

export const exportCommand = defineCommand<ExportArgs>({
  command: 'export',
  describe: 'Write a recording as NDJSON: a session line, one line per message in seq order (proto3 JSON + base64 bytes), a session-end line',
  builder: (y) =>
    y
      .option('db', { type: 'string', demandOption: true, describe: 'the recording (SQLite file)' })
      .option('session', { type: 'number', describe: 'one session (default: every session, in order)' })
      .option('out', { type: 'string', describe: 'write to this file instead of stdout (created with mode 0600: it holds what the recording holds)' }) as never,
  run: async (args, io) => {
    requireDb(args.db);
    checkSessionId(args.session);
    const { openRecording, RecordingError, selectSessions, createLineOutput, createFrameLiner, sessionLine, sessionEndLine } = await import('../recording/index.js');
    let rec;
    try {
      rec = openRecording(args.db);
    } catch (err) {
      if (err instanceof RecordingError) throw new CliError(err.message);
      throw err;
    }
    let file: ReturnType<typeof createWriteStream> | undefined;
    try {
      const selection = selectSessions(rec.sessions(), args.session, 'exporting', args.db);
      if (!selection.ok) throw new CliError(selection.error);
      if (selection.note) io.stderr.write(`functape export: ${selection.note}\n`);
      if (args.out !== undefined) {
        file = createWriteStream(args.out, { mode: 0o600 });
        await Promise.race([once(file, 'open'), once(file, 'error').then(([e]) => Promise.reject(new CliError(`cannot write ${args.out}: ${(e as Error).message}`)))]);
      }
      const out = createLineOutput(file ?? io.stdout);
      let messages = 0;
      const frameLine = createFrameLiner();
      for (const s of selection.sessions) {
        await out.line(sessionLine(s));
        for (const frame of rec.frames(s.id)) {
          if (io.signal.aborted || out.closed) break;
          const wait = out.line(frameLine(frame));
          messages++;
          if (wait) await wait;
        }
        if (io.signal.aborted || out.closed) break;
        if (s.end) await out.line(sessionEndLine(s.end));
      }
      await out.flush();
      if (file) {
        file.end();
        await once(file, 'finish');
        io.stderr.write(`functape export: ${selection.sessions.length} session(s), ${messages} messages → ${args.out}\n`);
      }
      return io.signal.aborted ? 130 : 0;
    } catch (err) {
      file?.destroy();
      if (err instanceof RecordingError) throw new CliError(err.message);
      throw err;
    } finally {
      rec.close();
    }
  },
});
