import type { StoredFrame } from '../model/frame.js';
import type { SessionInfo } from '../model/session.js';
import type { TimelineRow } from '../report/timeline.js';
import { CliError, defineCommand, type CliIo } from './command.js';
import { numberFlag } from './flag-values.js';

export const DEMO_FUNCTIONS = ['echo', 'hello', 'sleep', 'log', 'fail', 'noop'];
const FIRST_MESSAGES = 15;

/** Which invocations the demo shows in full: the first of each interesting kind. */
export function pickDemoInvocations(
  frames: Iterable<Pick<StoredFrame, 'kind' | 'invocationId' | 'functionId'>>,
): Map<string, string> {
  const picked = new Map<string, string>();
  const want = new Set(['hello', 'log', 'fail']);
  for (const f of frames) {
    if (!f.invocationId) continue;
    if (f.kind === 'invocationRequest' && f.functionId && want.has(f.functionId)) {
      want.delete(f.functionId);
      picked.set(f.invocationId, f.functionId);
    } else if (
      f.kind === 'invocationCancel' &&
      !picked.has(f.invocationId) &&
      ![...picked.values()].includes('sleep, cancelled')
    ) {
      picked.set(f.invocationId, 'sleep, cancelled');
    }
  }
  return picked;
}

/** The demo's invocation of functape as a user would type it. */
async function functapeCommand(): Promise<{ argv: string[]; display: string }> {
  const [{ fileURLToPath }, { relative, isAbsolute }] = await Promise.all([
    import('node:url'),
    import('node:path'),
  ]);
  const bin = fileURLToPath(new URL('../../../bin/functape', import.meta.url));
  const rel = relative(process.cwd(), bin);
  const display = !rel.startsWith('..') && !isAbsolute(rel) ? `./${rel}` : bin;
  return { argv: [process.execPath, bin], display };
}

export const demoCommand = defineCommand({
  command: 'demo',
  describe:
    'The main job on built-in defaults: record functape host → functape wrap → functape worker into DIR/demo.db, ' +
    'then print the sessions, a short timeline and the commands to look further',
  builder: (y) =>
    y
      .option('dir', {
        type: 'string',
        default: './demo',
        describe: 'where demo.db goes (a previous demo.db there is replaced)',
      })
      .option('invocations', {
        alias: 'n',
        type: 'string',
        default: '300',
        describe: 'invocations the scripted host sends',
      })
      .option('concurrency', {
        alias: 'c',
        type: 'string',
        default: '8',
        describe: 'invocations in flight at most',
      }),
  run: async (args, io) => {
    const invocations = numberFlag('invocations', args.invocations, { integer: true, min: 1 });
    const concurrency = numberFlag('concurrency', args.concurrency, { integer: true, min: 1 });
    const [fs, path, { shellQuote }, { hostCommand }, { makeDirectory }, { removeRecordingFiles }] =
      await Promise.all([
        import('node:fs'),
        import('node:path'),
        import('../peers/shell-split.js'),
        import('./host.js'),
        import('./make-directory.js'),
        import('../recording/open-database.js'),
      ]);
    const dir = path.resolve(args.dir);
    try {
      makeDirectory(dir);
    } catch (err) {
      throw new CliError(`--dir ${args.dir}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const db = path.join(dir, 'demo.db');
    if (fs.existsSync(db))
      io.stdout.write(`replacing the previous ${path.relative(process.cwd(), db) || db}\n`);
    removeRecordingFiles(db);

    const functape = await functapeCommand();
    const q = (words: string[]) => words.map(shellQuote).join(' ');
    const workerCommand = q([
      ...functape.argv,
      'wrap',
      '--db',
      db,
      '--label',
      'demo',
      '--quiet',
      '--',
      ...functape.argv,
      'worker',
    ]);
    const dbShown = path.relative(process.cwd(), db) || db;
    const ft = functape.display;
    const cancelEvery = 10;
    const shownWorker = `${ft} wrap --db ${shellQuote(dbShown)} -- ${ft} worker`;
    io.stdout.write(
      `functape demo: recording functape host → functape wrap → functape worker into ${dbShown}\n`,
    );
    io.stdout.write(
      `  (the same by hand: ${ft} host --worker ${shellQuote(shownWorker)} -n ${invocations} -c ${concurrency}` +
        ` -f ${DEMO_FUNCTIONS.join(',')} --cancel-every ${cancelEvery} --reload-env)\n\n`,
    );

    const hostCode = await hostCommand.run(
      {
        _: ['host'],
        worker: workerCommand,
        invocations: String(invocations),
        concurrency: String(concurrency),
        function: DEMO_FUNCTIONS,
        'cancel-every': String(cancelEvery),
        'log-count': '5',
        'big-mb': '1',
        'reload-env': true,
        'start-timeout': '30s',
        'answer-timeout': '30s',
        json: false,
        verbose: false,
        'app-dir': dir,
      },
      io,
    );
    if (!fs.existsSync(db)) {
      io.stderr.write(`functape demo: no recording was written to ${dbShown}\n`);
      return hostCode === 0 ? 1 : hostCode;
    }
    const shown = await printRecording(db, dbShown, io);
    io.stdout.write(`\nLook further:\n`);
    const cmds: Array<[string, string]> = [
      [
        `${ft} sessions --db ${dbShown}`,
        'every session: worker id, duration, messages each way, final status',
      ],
      [`${ft} show --db ${dbShown} --session ${shown ?? 1}`, 'the whole timeline'],
      [`${ft} show --db ${dbShown} --kind invocationRequest,invocationResponse`, 'only invocations'],
      [
        `${ft} export --db ${dbShown} --out ${shellQuote(path.join(path.dirname(dbShown), 'demo.ndjson'))}`,
        'NDJSON: one message per line, decoded and as exact bytes',
      ],
      [
        `${ft} replay host --db ${dbShown} --worker ${shellQuote(`${ft} worker`)}`,
        'replay the host toward a fresh worker: no differences',
      ],
      [
        `${ft} replay host --db ${dbShown} --worker ${shellQuote(`${ft} worker --greeting Hi`)}`,
        'a worker that changed one output field: the diff names it',
      ],
      [
        `${ft} bench --db ${dbShown} --worker ${shellQuote(`${ft} worker`)}`,
        'load-benchmark the worker with the recorded invocations',
      ],
    ];
    const { commands } = await import('./commands.js');
    const available = new Set(
      commands.map((c) => String(Array.isArray(c.command) ? c.command[0] : c.command).split(' ')[0]),
    );
    const listed = cmds.filter(([c]) => available.has(c.slice(ft.length + 1).split(' ')[0]!));
    for (const [c, why] of listed) io.stdout.write(`  # ${why}\n  ${c}\n`);
    return hostCode;
  },
});

/** Sessions table, the first messages and a few whole invocations. Returns the session shown. */
async function printRecording(db: string, dbShown: string, io: CliIo): Promise<number | undefined> {
  const [{ openRecording }, { formatSessionTable }, { createTimeline }, { formatTimelineRow }] =
    await Promise.all([
      import('../recording/index.js'),
      import('./sessions.js'),
      import('../report/timeline.js'),
      import('../report/timeline-text.js'),
    ]);
  const color = io.stdout.isTTY === true;
  const rec = openRecording(db);
  try {
    const sessions: SessionInfo[] = rec.sessions();
    io.stdout.write(`\nSessions in ${dbShown}:\n${formatSessionTable(sessions)}\n`);
    const s = sessions.at(-1);
    if (!s) return undefined;
    const total = s.counts.toHost + s.counts.toWorker;
    io.stdout.write(`\nSession ${s.id}: the first ${Math.min(FIRST_MESSAGES, total)} of ${total} messages\n`);
    const picked = pickDemoInvocations(
      rec.frames(s.id, { kinds: ['invocationRequest', 'invocationCancel'] }),
    );
    const timeline = createTimeline();
    const byInvocation = new Map<string, TimelineRow[]>();
    let n = 0;
    for (const frame of rec.frames(s.id)) {
      const row = timeline.row(frame);
      if (n++ < FIRST_MESSAGES) io.stdout.write(`${formatTimelineRow(row, { color })}\n`);
      if (frame.invocationId && picked.has(frame.invocationId)) {
        const rows = byInvocation.get(frame.invocationId) ?? [];
        rows.push(row);
        byInvocation.set(frame.invocationId, rows);
      }
    }
    if (total > FIRST_MESSAGES) io.stdout.write(`  … ${total - FIRST_MESSAGES} more\n`);
    io.stdout.write(`\nA few invocations, every message that carries their invocation id:\n`);
    for (const [id, what] of picked) {
      io.stdout.write(`  ${what} (${id})\n`);
      for (const row of byInvocation.get(id) ?? []) io.stdout.write(`${formatTimelineRow(row, { color })}\n`);
    }
    return s.id;
  } finally {
    rec.close();
  }
}
