import type { LoadPlan } from '../load/pacer.js';
import type { ReplayFrame } from '../replay/replay-frame.js';
import type { BenchReport } from '../report/bench-report.js';
import { CliError, defineCommand, type CliIo } from './command.js';
import { durationFlag, numberFlag, optionalDurationFlag, optionalNumberFlag, sessionFlag } from './flag-values.js';
import { redactFlags, resolveRedactFlags, type RedactFlags } from './redact-flags.js';

/** Numbers and durations as typed: cli/flag-values reads them (then load-plan's rules apply). */
interface BenchArgs extends RedactFlags {
  db: string;
  session?: string;
  worker: string;
  workers: string;
  cwd?: string;
  function?: string[];
  concurrency?: string;
  rate?: string;
  stages?: string;
  duration?: string;
  invocations?: string;
  warmup?: string;
  verify: boolean;
  ignore?: string[];
  json?: string;
  html?: string;
  compare?: string;
  'max-regression': string;
  'start-timeout': string;
  'drain-timeout': string;
  progress?: boolean;
}

export const benchCommand = defineCommand<BenchArgs>({
  command: 'bench',
  describe: 'Load-benchmark a worker from a recording: setup as recorded, then the recorded invocations cloned '
    + 'at a closed- or open-loop load; HDR latency from the intended send time (exit 0 done, 1 regression or '
    + 'verify differences, 2 bad input, 3 a worker broke)',
  builder: (y) =>
    redactFlags(y)
      .option('db', { type: 'string', demandOption: true, describe: 'the recording (SQLite file)' })
      .option('session', { type: 'string', describe: 'session id (default: the last session with invocations)' })
      .option('worker', { type: 'string', demandOption: true, describe: 'the worker command line; host arguments are appended' })
      .option('workers', { type: 'string', default: '1', describe: 'worker processes to start; load is spread over their streams' })
      .option('cwd', { type: 'string', describe: 'working directory of the workers (a host uses the function app directory; default: the current one)' })
      .option('function', { type: 'string', array: true, describe: 'only invocations of these functions (repeat or comma-separate)' })
      .option('concurrency', { alias: 'c', type: 'string', describe: 'closed loop: invocations in flight (default 10); open loop: a cap on in-flight' })
      .option('rate', { alias: 'r', type: 'string', describe: 'open loop: invocations per second, sent on schedule whatever the answers do' })
      .option('stages', { type: 'string', describe: 'ramp the rate (open loop) or concurrency (closed loop): "10s:100,30s:500,10s:0"; "N/s" targets mean a rate' })
      .option('duration', { alias: 'd', type: 'string', describe: 'measured time after warmup, e.g. 30s, 2m (default 10s, or the stages\' length)' })
      .option('invocations', { alias: 'n', type: 'string', describe: 'stop after this many measured invocations (instead of --duration)' })
      .option('warmup', { type: 'string', describe: 'run this long first, excluded from every figure (e.g. 5s)' })
      .option('verify', { type: 'boolean', default: false, describe: 'compare each answer with its recorded counterpart (replay\'s diff); differences give exit 1' })
      .option('ignore', { type: 'string', array: true, describe: 'with --verify: proto3 JSON paths to leave out of the diff (* and ** wildcards)' })
      .option('json', { type: 'string', nargs: 1, describe: 'write the full report as JSON to this file (- for stdout)' })
      .option('html', { type: 'string', describe: 'write a self-contained HTML report (charts) to this file' })
      .option('compare', { type: 'string', describe: 'a previous --json report: print the deltas, exit 1 on a regression' })
      .option('max-regression', { type: 'string', default: '10%', describe: 'with --compare: how much worse throughput or p99 may get' })
      .option('start-timeout', { type: 'string', default: '30s', describe: 'how long each worker may take to connect and load its functions (0 = no limit)' })
      .option('drain-timeout', { type: 'string', default: '10s', describe: 'after sending stops, how long to wait for answers in flight; also how long workers may go silent with invocations in flight' })
      .option('progress', { type: 'boolean', describe: 'live progress line on stderr (default: when stderr is a terminal)' }) as never,
  run: async (args, io) => runBenchCommand(args, io),
});

async function runBenchCommand(args: BenchArgs, io: CliIo): Promise<number> {
  const [{ resolveLoadPlan }, { parsePercent, compareBenchReports, renderBenchComparison }, { isBenchReport }, { readFileSync }, pc, { writePrivateFile }] = await Promise.all([
    import('../load/load-plan.js'), import('../report/bench-compare.js'), import('../report/bench-report.js'), import('node:fs'), import('picocolors'), import('./private-file.js'),
  ]);
  const userError = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      throw new CliError(err instanceof Error ? err.message : String(err));
    }
  };
  const concurrency = optionalNumberFlag('concurrency', args.concurrency, { integer: true, min: 1 });
  const rate = optionalNumberFlag('rate', args.rate, { min: 0 });
  const invocations = optionalNumberFlag('invocations', args.invocations, { integer: true, min: 1 });
  optionalDurationFlag('duration', args.duration);
  optionalDurationFlag('warmup', args.warmup, { zero: 'allowed' });
  const plan = userError(() => resolveLoadPlan({
    ...(concurrency !== undefined ? { concurrency } : {}),
    ...(rate !== undefined ? { rate } : {}),
    ...(args.stages !== undefined ? { stages: args.stages } : {}),
    ...(args.duration !== undefined ? { duration: args.duration } : {}),
    ...(invocations !== undefined ? { invocations } : {}),
    ...(args.warmup !== undefined ? { warmup: args.warmup } : {}),
  }));
  const { statSync } = await import('node:fs');
  const startTimeoutMs = durationFlag('start-timeout', args['start-timeout'], { zero: 'allowed' });
  const drainTimeoutMs = durationFlag('drain-timeout', args['drain-timeout']);
  const workers = numberFlag('workers', args.workers, { integer: true, min: 1 });
  const session = sessionFlag(args.session);
  const maxRegression = userError(() => parsePercent(args['max-regression']));
  if (args.cwd !== undefined) {
    const dir = args.cwd;
    if (!userError(() => statSync(dir, { throwIfNoEntry: false })?.isDirectory())) throw new CliError(`--cwd ${dir} is not a directory`);
  }
  const functions = (args.function ?? []).flatMap((f) => f.split(',')).map((f) => f.trim()).filter(Boolean);
  if (typeof args.worker !== 'string') throw new CliError('give --worker once (use --workers K for several processes)');
  const { shellSplit } = await import('../peers/shell-split.js');
  if (userError(() => shellSplit(args.worker)).length === 0) throw new CliError('--worker is empty');
  if (args.ignore) {
    const { compileIgnores } = await import('../replay/ignore-paths.js');
    userError(() => compileIgnores(args.ignore!.map(String)));
  }
  const redact = await resolveRedactFlags(args);
  // Output paths are checked now: a typo should not cost a whole run.
  const { checkOutputPath } = await import('./output-path.js');
  checkOutputPath('--json', args.json);
  checkOutputPath('--html', args.html);

  // Read the baseline first: a bad --compare file should not cost a whole run.
  let baseline;
  if (args.compare !== undefined) {
    const path = args.compare;
    const parsed = userError(() => {
      try {
        return JSON.parse(readFileSync(path, 'utf8')) as unknown;
      } catch (err) {
        const why = (err instanceof Error ? err.message : String(err)).split('\n')[0];
        throw new Error(`--compare ${path} is not a readable JSON report (${why})`);
      }
    });
    if (!isBenchReport(parsed)) throw new CliError(`--compare ${path} is not a functape bench JSON report`);
    baseline = parsed;
  }

  const { frames, sessionId } = await readSession(args.db, session);
  if (baseline) await checkComparable(baseline, args.compare!, workers, plan, frames, functions);
  const [{ runBench }, { renderBenchText }, { createProgressLine }] = await Promise.all([
    import('./bench-run.js'), import('../report/bench-text.js'), import('./bench-progress.js'),
  ]);
  const showProgress = args.progress ?? Boolean(io.stderr.isTTY);
  const progress = showProgress ? createProgressLine(io.stderr, plan) : undefined;
  let report;
  try {
    report = await runBench({
      frames, source: { db: args.db, sessionId }, functions, workerCommand: args.worker, workers, ...(args.cwd !== undefined ? { cwd: args.cwd } : {}),
      plan, verify: args.verify, ...(args.ignore ? { ignore: args.ignore } : {}), redact, startTimeoutMs, drainTimeoutMs, signal: io.signal,
      ...(progress ? { onProgress: progress.update, onPhase: progress.phase } : {}),
    });
  } finally {
    progress?.done();
  }

  const summaryOut = args.json === '-' ? io.stderr : io.stdout;
  const style = summaryOut.isTTY ? { bold: pc.default.bold, dim: pc.default.dim, red: pc.default.red, green: pc.default.green } : undefined;
  if (baseline) report.comparison = { ...compareBenchReports(baseline, report, maxRegression), baseline: args.compare! };
  summaryOut.write(renderBenchText(report, style));
  if (args.json !== undefined) {
    const text = `${JSON.stringify(report, null, 2)}\n`;
    if (args.json === '-') io.stdout.write(text);
    else writePrivateFile(args.json, text, 'bench', io);
  }
  if (args.html !== undefined) {
    const [{ renderBenchHtml }, { loadUplotAssets }] = await Promise.all([import('../report/bench-html.js'), import('../report/uplot-assets.js')]);
    writePrivateFile(args.html, renderBenchHtml(report, loadUplotAssets()), 'bench', io);
  }
  let code = 0;
  if (baseline) {
    const cmp = report.comparison!;
    summaryOut.write(`\n${renderBenchComparison(cmp, style)}`);
    if (cmp.regressed) code = 1;
  }
  if (report.verify && report.verify.differed > 0) code = 1;
  if (report.stopReason === 'worker-broke') code = 3;
  // Interrupted (Ctrl-C): the partial figures are printed and written, exit as a shell expects.
  else if (report.stopReason === 'interrupted') code = 130;
  return code;
}

/** `--compare` with a baseline whose load, functions or workers differ is exit 2, before the run. */
async function checkComparable(
  baseline: BenchReport, path: string, workers: number, plan: LoadPlan, frames: ReplayFrame[], functions: string[],
): Promise<void> {
  const [{ incomparabilities }, { benchLoad }, { collectBenchSource }] = await Promise.all([
    import('../report/bench-comparable.js'), import('../load/load-plan.js'), import('../load/bench-source.js'),
  ]);
  let names: string[];
  try {
    names = collectBenchSource(frames, functions).functions.map((f) => f.name);
  } catch (err) {
    throw new CliError(err instanceof Error ? err.message : String(err));
  }
  const why = incomparabilities(baseline, { load: benchLoad(plan, workers), functions: names });
  if (why.length > 0) throw new CliError(`--compare ${path}: not comparable with this run (${why.join('; ')})`);
}

/** The session's frames; a bad file, an unknown session or one without invocations is exit 2. */
async function readSession(db: string, session: number | undefined) {
  const { openRecording } = await import('../recording/index.js');
  const rec = openRecording(db); // a RecordingError is a one-line exit 2 (cli/main)
  try {
    const sessions = rec.sessions();
    if (sessions.length === 0) throw new CliError(`${db} has no sessions`);
    let sessionId = session;
    if (sessionId === undefined) {
      for (const s of [...sessions].reverse()) {
        const first = rec.frames(s.id, { kinds: ['invocationRequest'] });
        const has = !first.next().done;
        first.return?.();
        if (has) {
          sessionId = s.id;
          break;
        }
      }
      if (sessionId === undefined) throw new CliError(`no session of ${db} has a recorded InvocationRequest`);
    } else if (!rec.session(sessionId)) {
      throw new CliError(`${db} has no session ${sessionId} (sessions: ${sessions.map((s) => s.id).join(', ')})`);
    }
    return { frames: [...rec.frames(sessionId)], sessionId };
  } finally {
    rec.close();
  }
}
