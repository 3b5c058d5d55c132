import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import type { Argv } from 'yargs';
import { CliError, defineCommand, type ArgsOf, type CliIo } from './command.js';
import { READER_DB_OPTION, viaFleetCache } from './fleet-cache.js';
import { requireDb } from './sessions.js';
import { optionalNumberFlag, sessionFlag } from './flag-values.js';
import { checkOutputPath } from './output-path.js';
import type { SessionInfo } from '../model/session.js';
import type { LineOutput, Recording } from '../recording/index.js';

/** Sessions with at least this many messages are converted on several threads. */
const PARALLEL_FROM = 20_000;

export const exportCommand = defineCommand({
  command: 'export',
  describe:
    'Write a recording as NDJSON (a session line, one line per message in seq order: proto3 JSON + base64 bytes, a session-end line), or as a trace for Perfetto or OpenTelemetry',
  builder: exportFlags,
  run: (args, io) => {
    requireDb(args.db);
    return viaFleetCache(args, io, exportRecording);
  },
});

function exportFlags(y: Argv) {
  return y
    .option('db', READER_DB_OPTION)
    .option('format', {
      choices: ['ndjson', 'perfetto', 'otlp'] as const,
      default: 'ndjson' as const,
      describe:
        'ndjson: every message, re-importable; perfetto: Chrome trace-event JSON (ui.perfetto.dev, chrome://tracing); otlp: OTLP/JSON lines, a span per invocation',
    })
    .option('session', { type: 'string', describe: 'one session (default: every session, in order)' })
    .option('threads', {
      type: 'string',
      describe:
        'NDJSON: worker threads converting big sessions to JSON (default: CPU cores - 1, from 2 to 4; 1 on one core)',
    })
    .option('out', {
      type: 'string',
      describe:
        'write to this file instead of stdout (created with mode 0600: it holds what the recording holds)',
    });
}

async function exportRecording(args: ArgsOf<typeof exportFlags>, io: CliIo): Promise<number> {
  requireDb(args.db);
  const session = sessionFlag(args.session);
  const wantedThreads = optionalNumberFlag('threads', args.threads, { integer: true, min: 1, max: 64 });
  checkOutputPath('--out', args.out);
  const { openRecording, selectSessions, createLineOutput } = await import('../recording/index.js');
  const rec = openRecording(args.db); // a RecordingError is a one-line exit 2 (cli/main)
  let file: ReturnType<typeof createWriteStream> | undefined;
  try {
    const selection = selectSessions(rec.sessions(), session, 'exporting', args.db);
    if (!selection.ok) throw new CliError(selection.error);
    if (args.out !== undefined) {
      const opening = createWriteStream(args.out, { mode: 0o600 });
      file = opening;
      // (events.once(file, 'open') would reject with the raw error first: one handler for both)
      await new Promise<void>((resolve, reject) => {
        opening.once('open', () => resolve());
        opening.once('error', (e: Error) => reject(new CliError(`cannot write ${args.out}: ${e.message}`)));
      });
    }
    if (selection.note) io.stderr.write(`functape export: ${selection.note}\n`);
    const out = createLineOutput(file ?? io.stdout);
    const stopped = () => io.signal.aborted || out.closed;
    const messages =
      args.format === 'ndjson'
        ? await writeNdjson(rec, selection.sessions, { db: args.db, out, stopped, threads: wantedThreads })
        : await (await import('./export-trace.js')).writeTrace(
            rec,
            selection.sessions,
            args.format,
            out,
            stopped,
          );
    await out.flush();
    if (file) {
      file.end();
      await once(file, 'finish');
      io.stderr.write(
        `functape export: ${selection.sessions.length} session(s), ${messages} messages → ${args.out}\n`,
      );
    }
    return io.signal.aborted ? 130 : 0;
  } catch (err) {
    file?.destroy();
    throw err;
  } finally {
    rec.close();
  }
}

/**
 * Every message of `sessions` as NDJSON lines (a session line, the messages, a session-end
 * line); big sessions are converted on worker threads. Returns how many messages were written.
 */
async function writeNdjson(
  rec: Recording,
  sessions: readonly SessionInfo[],
  o: { db: string; out: LineOutput; stopped: () => boolean; threads: number | undefined },
): Promise<number> {
  const { createFrameLiner, sessionLine, sessionEndLine, parallelExport } = await import(
    '../recording/index.js'
  );
  const { out, stopped } = o;
  const frameLine = createFrameLiner();
  // The main thread only writes what the threads convert, so two threads use two cores
  // (1M messages on 2 cores: 9.9 s on one thread, 5.2-6.4 s on two; see parallel-export).
  const cores = availableParallelism();
  const threads = o.threads ?? (cores >= 2 ? Math.min(4, Math.max(2, cores - 1)) : 1);
  let messages = 0;
  for (const s of sessions) {
    await out.line(sessionLine(s));
    const lastSeq = rec.lastSeq(s.id);
    if (threads > 1 && lastSeq !== undefined && s.counts.toHost + s.counts.toWorker >= PARALLEL_FROM) {
      // Big sessions: convert windows of messages on worker threads, written in order.
      const write = (bytes: Uint8Array, release: () => void) => out.bytes(bytes, release);
      messages += await parallelExport(o.db, s.id, lastSeq, write, { threads, stopped });
    } else {
      for (const frame of rec.frames(s.id)) {
        if (stopped()) break;
        const wait = out.line(frameLine(frame));
        messages++;
        if (wait) await wait;
      }
    }
    if (stopped()) break;
    if (s.end) await out.line(sessionEndLine(s.end));
  }
  return messages;
}
