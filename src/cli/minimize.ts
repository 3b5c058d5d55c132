import type { StoredFrame } from '../model/frame.js';
import type { SessionInfo } from '../model/session.js';
import type { MinimizeOutcome } from '../replay/minimize/minimize-engine.js';
import type { MinimizeReport } from '../report/minimize-report.js';
import { CliError, defineCommand, usageError, type ArgsOf, type CliIo } from './command.js';
import {
  durationFlag,
  numberFlag,
  optionalDurationFlag,
  optionalNumberFlag,
  sessionFlag,
} from './flag-values.js';
import { viaFleetCache } from './fleet-cache.js';
import { replayPassFlags, resolvePassFlags } from './replay-flags.js';

function minimizeFlags(y: import('yargs').Argv) {
  return replayPassFlags(y)
    .option('db', {
      type: 'string',
      demandOption: true,
      describe:
        'the failing recording (or a fleet database, postgres://..., pulled into a local cache first)',
    })
    .option('session', {
      type: 'string',
      describe: 'session id (default: the only session in the file; a uuid in a fleet database)',
    })
    .option('worker', {
      type: 'string',
      demandOption: true,
      describe: 'the worker command line; every candidate replay starts its own (host arguments appended)',
    })
    .option('out', {
      type: 'string',
      demandOption: true,
      describe: 'where the minimized recording goes (a new file)',
    })
    .option('same-failure', {
      type: 'boolean',
      describe:
        'target the same failure as the original replay (the default): the same (kind, function, field) set, or a broken stream',
    })
    .option('until', {
      type: 'string',
      describe:
        'target another failure instead: differs, missing, broke, or a field path (* and ** wildcards)',
    })
    .option('jobs', {
      type: 'string',
      describe: 'candidate replays at once, each its own worker (default: cores − 1, at least 1)',
    })
    .option('max-runs', {
      type: 'string',
      describe: 'stop after N candidate replays (the best so far is written, not minimal)',
    })
    .option('time', {
      type: 'string',
      describe: 'stop searching after this long, e.g. 10m (the best so far is written)',
    })
    .option('confirm', {
      type: 'string',
      default: '2',
      describe: 'replays of the original that must all fail alike first',
    })
    .option('start-timeout', {
      type: 'string',
      default: '30s',
      describe: 'how long a worker may take to connect',
    })
    .option('app-dir', {
      type: 'string',
      describe: "the live function app directory (the worker's working directory)",
    })
    .option('json', { type: 'string', describe: 'write the result as JSON to this file' });
}

type MinimizeArgs = ArgsOf<typeof minimizeFlags>;

export const minimizeCommand = defineCommand({
  command: 'minimize',
  describe:
    'Shrink a failing recording to the smallest one that still fails the same way (ddmin over invocations, ' +
    'reloads, status requests, warmups; then fast pace and empty bodies), replaying candidates against ' +
    'fresh workers. Writes a normal recording. Exit 0 done, 2 usage/input or not reproducible, 130 interrupted',
  builder: minimizeFlags,
  run: async (args, io) => viaFleetCache(args, io, runMinimize),
});

/** Minimize one session of a recording file (a fleet URL has been pulled into a local cache by then). */
async function runMinimize(args: MinimizeArgs, io: CliIo, source: string): Promise<number> {
  const s = await resolveMinimizeFlags(args);
  const { readSessionFrames } = await import('./session-frames.js');
  const { session, frames } = await readSessionFrames(args.db, s.session, 'only');
  if (!frames.some((f) => f.direction === 'toWorker'))
    throw new CliError(`session ${session.id} of ${source} has no host→worker messages: nothing to replay`);
  const [{ minimizeRecording }, { candidateReplay }] = await Promise.all([
    import('../replay/minimize/minimize-engine.js'),
    import('./minimize-candidate.js'),
  ]);
  const progress = io.stderr.isTTY
    ? (p: { runs: number; unitsLeft: number; phase: string }) =>
        io.stderr.write(`\r\x1b[2Kminimize: ${p.runs} runs, ${p.unitsLeft} units left`)
    : undefined;
  const t0 = performance.now();
  const outcome = await minimizeRecording({
    frames,
    replay: candidateReplay(s.candidate),
    ...(s.until ? { until: s.until } : {}),
    confirm: s.confirm,
    jobs: s.jobs,
    ...(s.maxRuns !== undefined ? { maxRuns: s.maxRuns } : {}),
    ...(s.timeMs !== undefined ? { timeMs: s.timeMs } : {}),
    fastAlready: s.candidate.pace.mode === 'fast',
    signal: io.signal,
    ...(progress ? { onProgress: progress } : {}),
  });
  if (progress) io.stderr.write('\r\x1b[2K');
  if (outcome.type !== 'done' && io.signal.aborted) {
    io.stderr.write('functape minimize: interrupted before the failure was confirmed\n');
    return 130;
  }
  if (outcome.type === 'passes')
    throw new CliError(`the original replay does not fail (${outcome.runs} runs): nothing to minimize`);
  if (outcome.type === 'flaky')
    throw new CliError(
      `fails ${outcome.failed} of ${outcome.of} runs: not reproducible enough to minimize; try --pace recorded or --confirm 5`,
    );
  const report = await finish(
    { ...args, source },
    io,
    session,
    frames,
    outcome,
    performance.now() - t0,
    s.jobs,
  );
  return report.stoppedBy === 'interrupted' ? 130 : 0;
}

async function resolveMinimizeFlags(args: MinimizeArgs) {
  const [{ parseUntil }, { availableParallelism }, { checkOutputPath }, { existsSync }] = await Promise.all([
    import('../replay/minimize/failure-signature.js'),
    import('node:os'),
    import('./output-path.js'),
    import('node:fs'),
  ]);
  if (args['same-failure'] && args.until !== undefined)
    throw new CliError('--same-failure and --until name different targets: give one');
  const until = args.until !== undefined ? usageError(() => parseUntil(args.until!), '--until') : undefined;
  const pass = await resolvePassFlags(args);
  checkOutputPath('--out', args.out);
  checkOutputPath('--json', args.json);
  if (existsSync(args.out)) throw new CliError(`--out ${args.out} exists: name a new file`);
  const jobs =
    optionalNumberFlag('jobs', args.jobs, { integer: true, min: 1, max: 256 }) ??
    Math.max(1, availableParallelism() - 1);
  const { pace, hostFaults, workerFaults: _worker, seed, ...rest } = pass;
  return {
    session: sessionFlag(args.session),
    until,
    jobs,
    confirm: numberFlag('confirm', args.confirm, { integer: true, min: 1, max: 100 }),
    maxRuns: optionalNumberFlag('max-runs', args['max-runs'], { integer: true, min: 1 }),
    timeMs: optionalDurationFlag('time', args.time),
    candidate: {
      worker: args.worker,
      ...(args['app-dir'] !== undefined ? { appDir: args['app-dir'] } : {}),
      startTimeoutMs: durationFlag('start-timeout', args['start-timeout']),
      pace,
      common: {
        ...rest,
        defaultIgnores: args['default-ignores'],
        ...(hostFaults.length > 0 ? { faults: hostFaults, seed } : {}),
      },
    },
  };
}

/** Write MIN.db, print the summary and the remaining failure, and `--json`. */
async function finish(
  args: MinimizeArgs & { source: string },
  io: CliIo,
  session: SessionInfo,
  frames: StoredFrame[],
  o: Extract<MinimizeOutcome, { type: 'done' }>,
  durationMs: number,
  jobs: number,
): Promise<MinimizeReport> {
  const [
    { writeMinimized },
    { formatMinimizeText, formatMinimizeJson },
    { describeTarget },
    { writePrivateFile },
  ] = await Promise.all([
    import('./minimize-output.js'),
    import('../report/minimize-text.js'),
    import('../replay/minimize/failure-signature.js'),
    import('./private-file.js'),
  ]);
  const { basename } = await import('node:path');
  const before = o.units.units.length;
  const label = `minimized from ${args.source === args.db ? basename(args.db) : args.source} session ${session.id} by functape minimize: ${o.kept.length} of ${before} units, ${o.oneMinimal ? '1-minimal' : 'not minimal'}`;
  await writeMinimized(args.out, session, frames, o.frames, label);
  const report: MinimizeReport = {
    source: { db: args.source, session: session.id },
    out: args.out,
    target: describeTarget(o.target),
    oneMinimal: o.oneMinimal,
    ...(o.stoppedBy ? { stoppedBy: o.stoppedBy } : {}),
    units: { before, after: o.kept.length },
    messages: { before: frames.length, after: o.frames.length },
    kept: o.kept.map((i) => o.units.units[i]!.label),
    pace: o.fast ? 'fast' : args.pace,
    emptiedBodies: o.emptiedBodies,
    runs: o.runs,
    jobs,
    durationMs,
    failure: o.failure,
  };
  io.stdout.write(formatMinimizeText(report, { color: Boolean(io.stdout.isTTY) && !process.env.NO_COLOR }));
  if (args.json) writePrivateFile(args.json, formatMinimizeJson(report), 'minimize', io);
  return report;
}
