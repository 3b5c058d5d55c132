import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Direction } from '../model/frame.js';
import { FUNCTAPE_VERSION } from '../version.js';
import { CliError, defineCommand } from './command.js';
import { requireDb } from './sessions.js';

interface ImportArgs {
  db: string;
  in: string;
  redact: 'on' | 'off';
}

interface ImportedSession {
  storedId: number;
  lastSeq: number;
  dirSeq: Record<Direction, number>;
  frames: number;
  ended: boolean;
}

export const importCommand = defineCommand<ImportArgs>({
  command: 'import',
  describe: 'Read NDJSON (as written by export) into a recording; all or nothing, the bytes are the truth',
  builder: (y) =>
    y
      .option('db', { type: 'string', demandOption: true, describe: 'the recording to add to (created with mode 0600 if missing)' })
      .option('in', { type: 'string', default: '-', describe: 'the NDJSON file, or - for stdin' })
      .option('redact', {
        choices: ['on', 'off'] as const,
        default: 'off' as const,
        describe: 'run messages through the capture-time redactor (off: store the bytes exactly as given)',
      }) as never,
  run: async (args, io) => {
    requireDb(args.db);
    const { createRecordingWriter, parseLine, NdjsonError, RecordingError } = await import('../recording/index.js');
    const source = args.in === '-' ? process.stdin : createReadStream(args.in);
    const opened = new Promise<void>((resolve, reject) => {
      if (args.in === '-') return resolve();
      source.once('open', () => resolve());
      source.once('error', (e: Error) => reject(new CliError(`cannot read ${args.in}: ${e.message}`)));
    });
    await opened;
    let writer;
    try {
      writer = createRecordingWriter(args.db, { redact: args.redact === 'on' ? {} : false, atomic: true });
    } catch (err) {
      source.destroy();
      if (err instanceof RecordingError) throw new CliError(err.message);
      throw err;
    }
    const sessions = new Map<number, ImportedSession>();
    const name = args.in === '-' ? 'stdin' : args.in;
    let lineNo = 0;
    let messages = 0;
    try {
      const lines = createInterface({ input: source, crlfDelay: Infinity });
      for await (const text of lines) {
        lineNo++;
        if (io.signal.aborted) throw new CliError('interrupted: nothing imported');
        const rec = parseLine(text, lineNo);
        if (!rec) continue;
        if (rec.type === 'session') {
          if (sessions.has(rec.session.id)) throw new NdjsonError(lineNo, `session ${rec.session.id} appears twice`);
          const storedId = writer.addSession(rec.session);
          sessions.set(rec.session.id, { storedId, lastSeq: -1, dirSeq: { toHost: 0, toWorker: 0 }, frames: 0, ended: false });
        } else if (rec.type === 'frame') {
          const f = rec.frame;
          let s = sessions.get(f.sessionId);
          if (!s) {
            // Message lines without a session line (hand-written fixtures): a bare session.
            const storedId = writer.addSession({
              id: f.sessionId,
              startWallMs: f.wallMs - Number(f.tNs) / 1e6,
              upstream: '',
              path: '',
              metadata: {},
              functapeVersion: FUNCTAPE_VERSION,
              schemaVersion: '',
            });
            s = { storedId, lastSeq: -1, dirSeq: { toHost: 0, toWorker: 0 }, frames: 0, ended: false };
            sessions.set(f.sessionId, s);
          }
          if (s.ended) throw new NdjsonError(lineNo, `message of session ${f.sessionId} after its session-end line`);
          if (f.seq <= s.lastSeq) throw new NdjsonError(lineNo, `seq ${f.seq} of session ${f.sessionId} does not follow ${s.lastSeq}`);
          s.lastSeq = f.seq;
          writer.addFrame(
            { sessionId: f.sessionId, seq: f.seq, dirSeq: s.dirSeq[f.direction]++, direction: f.direction, tNs: f.tNs, wallMs: f.wallMs, compressed: f.compressed, bytes: f.bytes },
            { redacted: f.redacted, size: f.size },
          );
          s.frames++;
          messages++;
        } else {
          const s = sessions.get(rec.end.id);
          if (!s) throw new NdjsonError(lineNo, `session-end of session ${rec.end.id}, which has no session line`);
          if (s.ended) throw new NdjsonError(lineNo, `session ${rec.end.id} ends twice`);
          s.ended = true;
          writer.endSession(rec.end);
        }
      }
      writer.close();
    } catch (err) {
      writer.abort();
      source.destroy();
      if (err instanceof NdjsonError) throw new CliError(`${name}: ${err.message} (nothing imported)`);
      if (err instanceof RecordingError) throw new CliError(`${err.message} (nothing imported)`);
      if (err instanceof CliError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') throw new CliError(`cannot read ${name}: ${(err as Error).message}`);
      throw err;
    }
    const renumbered = [...sessions].filter(([from, s]) => from !== s.storedId).map(([from, s]) => `${from} → ${s.storedId}`);
    io.stdout.write(
      `imported ${sessions.size} session(s) (${[...sessions.values()].map((s) => s.storedId).join(', ') || 'none'}), ${messages} messages into ${args.db}\n`
      + (renumbered.length ? `session ids already taken in ${args.db} were renumbered: ${renumbered.join(', ')}\n` : ''),
    );
    return 0;
  },
});
