import { setTimeout as sleep } from 'node:timers/promises';
import type { Direction } from '../model/frame.js';
import type { SessionInfo } from '../model/session.js';
import type { LineOutput, Recording } from '../recording/index.js';
import { FOLLOW_POLL_MS, followSessions, waitUntil } from './show-follow.js';
import type { Argv } from 'yargs';
import { CliError, defineCommand, type ArgsOf, type CliIo } from './command.js';
import { isFleetUrl, READER_DB_OPTION, viaFleetCache } from './fleet-cache.js';
import { sessionFlag } from './flag-values.js';
import { formatFinalStatus, requireDb } from './sessions.js';

/** The messages a timeline learns function names from. */
const NAMING_KINDS = ['functionLoadRequest', 'functionLoadRequestCollection', 'functionMetadataResponse'];

/**
 * `--kind a,b --kind c` → validated kind names among `names` (codec/describe's
 * MESSAGE_KINDS, imported by the caller when it runs: it loads the generated schema, which
 * `--help` need not); a `--kind` that names none is refused.
 */
export function parseKinds(
  values: readonly string[] | undefined,
  names: readonly string[],
): string[] | undefined {
  if (values === undefined) return undefined;
  const known = new Set([...names, 'unknown', 'empty']);
  const kinds = values
    .flatMap((v) => String(v).split(','))
    .map((k) => k.trim())
    .filter((k) => k !== '');
  if (kinds.length === 0) throw new CliError(`--kind needs a message kind; kinds: ${[...known].join(', ')}`);
  for (const k of kinds) {
    if (!known.has(k)) {
      const near = [...known].filter((n) => n.toLowerCase().includes(k.toLowerCase()));
      throw new CliError(
        `unknown message kind ${JSON.stringify(k)}${near.length ? ` (did you mean ${near.slice(0, 3).join(', ')}?)` : ''}; kinds: ${[...known].join(', ')}`,
      );
    }
  }
  return kinds;
}

/** show's flags, declared once; `ShowArgs` is what yargs infers from them. */
function showFlags(y: Argv) {
  return y
    .option('db', READER_DB_OPTION)
    .option('session', { type: 'string', describe: 'one session (default: every session, in order)' })
    .option('kind', {
      type: 'string',
      array: true,
      describe: 'only these message kinds, comma-separated (e.g. invocationRequest,invocationResponse)',
    })
    .option('direction', {
      choices: ['toHost', 'toWorker'] as const,
      describe: 'only messages going this way',
    })
    .option('invocation', {
      type: 'string',
      describe: 'only the messages of one invocation (its id, or the first characters of it)',
    })
    .option('json', {
      type: 'boolean',
      default: false,
      describe: 'one JSON object per message (NDJSON) instead of text',
    })
    .option('follow', {
      alias: 'f',
      type: 'boolean',
      default: false,
      describe:
        'like tail -F: wait for the file, print the newest session as it is recorded, then each new session, until Ctrl-C (with --session: that session, until it ends)',
    });
}

type ShowArgs = ArgsOf<typeof showFlags>;

export const showCommand = defineCommand({
  command: 'show',
  describe: 'Print the timeline of a recording: time, direction, kind, ids, size and a summary per message',
  builder: showFlags,
  run: (args, io) => {
    requireDb(args.db);
    if (args.follow && isFleetUrl(args.db))
      throw new CliError('--follow reads a file as it is recorded; a fleet database has no live sessions');
    return viaFleetCache(args, io, showRecording);
  },
});

async function showRecording(args: ShowArgs, io: CliIo): Promise<number> {
  const kinds = parseKinds(args.kind, (await import('../codec/describe.js')).MESSAGE_KINDS);
  const session = sessionFlag(args.session);
  // An empty id (an unset shell variable) would match every message: say so instead.
  if (args.invocation !== undefined && args.invocation.trim() === '')
    throw new CliError('--invocation needs an invocation id (or its first characters)');
  const [recording, { createTimeline }, text] = await Promise.all([
    import('../recording/index.js'),
    import('../report/timeline.js'),
    import('../report/timeline-text.js'),
  ]);
  // Following a file that is not there yet (or still being created): wait for it, as tail -F does.
  if (args.follow && !recording.isRecordingYet(args.db)) {
    io.stderr.write(`functape show: waiting for ${args.db} (Ctrl-C stops)\n`);
    if (!(await waitUntil(() => recording.isRecordingYet(args.db), io.signal))) return 0;
  }
  const rec = recording.openRecording(args.db); // a RecordingError is a one-line exit 2 (cli/main)
  const out = recording.createLineOutput(io.stdout);
  const show: ShowContext = {
    args,
    kinds,
    rec,
    out,
    text,
    createTimeline,
    color: !args.json && io.stdout.isTTY === true,
    signal: io.signal,
  };
  try {
    if (args.follow && session === undefined) {
      // tail -F: the newest session, then each new one, until interrupted.
      for await (const s of followSessions(() => rec.sessions(), io.signal)) {
        await showSession(show, s);
        if (out.closed) break;
      }
    } else {
      const selection = recording.selectSessions(rec.sessions(), session, 'showing', args.db);
      if (!selection.ok) throw new CliError(selection.error);
      // Following, the invocation may still come; otherwise an id that matches nothing is a mistake.
      const prefix = args.invocation;
      if (
        prefix !== undefined &&
        !args.follow &&
        !selection.sessions.some((s) => carriesInvocation(rec, s.id, prefix))
      ) {
        const where = session !== undefined ? `session ${session} of ${args.db}` : args.db;
        throw new CliError(
          `no message in ${where} carries an invocation id starting with ${JSON.stringify(prefix)}`,
        );
      }
      if (selection.note) io.stderr.write(`functape show: ${selection.note}\n`);
      if (selection.sessions.length === 0 && !args.json) io.stdout.write(`${args.db}: no sessions\n`);
      for (const s of selection.sessions) {
        await showSession(show, s);
        if (out.closed) break;
      }
    }
    await out.flush();
  } finally {
    rec.close();
  }
  return 0;
}

/** Whether any message of the session carries an invocation id starting with `prefix`. */
function carriesInvocation(rec: Recording, sessionId: number, prefix: string): boolean {
  const it = rec.frames(sessionId, { invocation: prefix, bytesLimit: 0 });
  try {
    return !it.next().done;
  } finally {
    it.return?.();
  }
}

interface ShowContext {
  args: ShowArgs;
  kinds: string[] | undefined;
  rec: Recording;
  out: LineOutput;
  text: typeof import('../report/timeline-text.js');
  createTimeline: typeof import('../report/timeline.js').createTimeline;
  color: boolean;
  signal: AbortSignal;
}

/** Print one session: its header line, its messages (with --follow, as they are recorded, until it ends), its end line. */
async function showSession(c: ShowContext, s: SessionInfo): Promise<void> {
  const { args, kinds, rec, out, text } = c;
  if (!args.json) {
    const label = s.label ? ` "${s.label}"` : '';
    const worker = s.workerId ? ` worker ${s.workerId}` : '';
    const upstream = s.upstream ? ` upstream ${s.upstream}` : '';
    await out.line(
      `session ${s.id}${label}${worker}${upstream}, started ${new Date(s.startWallMs).toISOString()}, ${s.counts.toHost} → host, ${s.counts.toWorker} → worker`,
    );
  }
  const timeline = c.createTimeline();
  const wanted = (f: { kind: string; direction: Direction; invocationId?: string }) =>
    (!kinds || kinds.includes(f.kind)) &&
    (!args.direction || f.direction === args.direction) &&
    (args.invocation === undefined || (f.invocationId ?? '').startsWith(args.invocation));
  // Following filters here rather than in SQL, so each poll resumes after the last seq read.
  const filter = args.follow
    ? { bytesLimit: 64 * 1024 }
    : {
        ...(kinds ? { kinds } : {}),
        ...(args.direction ? { directions: [args.direction] } : {}),
        ...(args.invocation !== undefined ? { invocation: args.invocation } : {}),
        bytesLimit: 64 * 1024,
      };
  if (kinds || args.direction || args.invocation !== undefined) {
    // Filtered rows may not include the messages that name functions: learn them first.
    for (const f of rec.frames(s.id, { kinds: NAMING_KINDS, bytesLimit: 4 * 1024 * 1024 })) timeline.row(f);
  }
  let final = s;
  let after = -1;
  while (true) {
    const before = args.follow ? (rec.session(s.id) ?? s) : s; // its state before this pass
    for (const frame of rec.frames(s.id, { ...filter, afterSeq: after })) {
      if (c.signal.aborted || out.closed) break;
      after = frame.seq;
      if (args.follow && !wanted(frame)) continue;
      const row = timeline.row(frame);
      const wait = out.line(
        args.json
          ? JSON.stringify(text.timelineRowJson(row))
          : text.formatTimelineRow(row, { color: c.color }),
      );
      if (wait) await wait;
    }
    final = before;
    if (!args.follow || before.end || c.signal.aborted || out.closed) break;
    await out.flush();
    await sleep(FOLLOW_POLL_MS, undefined, { signal: c.signal }).catch(() => undefined);
  }
  if (!args.json && !out.closed) {
    await out.line(
      `end: ${formatFinalStatus(final)}${final.end ? ` after ${text.formatOffset(final.end.endNs).trim()}` : ''}`,
    );
  }
}
