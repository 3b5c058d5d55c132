import type { LoadPlan } from '../load/pacer.js';
import type { ReplayFrame } from '../replay/replay-frame.js';
import type { BenchReport } from '../report/bench-report.js';
import { CliError, defineCommand, usageError, type CliIo } from './command.js';
import { benchMergeCommand } from './bench-merge.js';
import { benchFlags, resolveBenchFlags, type BenchArgs, type BenchSettings } from './bench-flags.js';
import { viaFleetCache } from './fleet-cache.js';

export const benchCommand = defineCommand({
  command: 'bench',
  describe:
    'Load-benchmark a worker from a recording: setup as recorded, then the recorded invocations cloned ' +
    'at a closed- or open-loop load; HDR latency from the intended send time (exit 0 done, 1 regression or ' +
    'verify differences, 2 bad input, 3 a worker broke)',
  builder: benchFlags,
  subcommands: [benchMergeCommand],
  run: async (args, io) => viaFleetCache(args, io, runBenchCommand),
});

async function runBenchCommand(args: BenchArgs, io: CliIo, source: string): Promise<number> {
  const settings = await resolveBenchFlags(args);
  const { plan, workers, functions, baseline } = settings;
  const { readSessionFrames } = await import('./session-frames.js');
  const { session, frames } = await readSessionFrames(args.db, settings.session, 'last-with-invocations');
  if (baseline) await checkComparable(baseline, args.compare!, workers, plan, frames, functions);
  const [{ runBench }, { createProgressLine }] = await Promise.all([
    import('./bench-run.js'),
    import('./bench-progress.js'),
  ]);
  const showProgress = args.progress ?? Boolean(io.stderr.isTTY);
  const progress = showProgress ? createProgressLine(io.stderr, plan) : undefined;
  let report;
  try {
    report = await runBench({
      frames,
      source: { db: source, sessionId: session.id },
      functions,
      workerCommand: args.worker,
      workers,
      ...(args.cwd !== undefined ? { cwd: args.cwd } : {}),
      plan,
      verify: args.verify,
      ...(args.ignore ? { ignore: args.ignore } : {}),
      redact: settings.redact,
      startTimeoutMs: settings.startTimeoutMs,
      drainTimeoutMs: settings.drainTimeoutMs,
      signal: io.signal,
      ...(progress ? { onProgress: progress.update, onPhase: progress.phase } : {}),
    });
  } finally {
    progress?.done();
  }
  return writeBenchOutputs(report, args, settings, io);
}

/** The summary (and the comparison), the --json and --html files; returns the exit code. */
async function writeBenchOutputs(
  report: BenchReport,
  args: BenchArgs,
  settings: BenchSettings,
  io: CliIo,
): Promise<number> {
  const [{ compareBenchReports, renderBenchComparison }, { renderBenchText }, pc, { writeBenchFiles }] =
    await Promise.all([
      import('../report/bench-compare.js'),
      import('../report/bench-text.js'),
      import('picocolors'),
      import('./bench-files.js'),
    ]);
  const { baseline } = settings;
  const summaryOut = args.json === '-' ? io.stderr : io.stdout;
  const style = summaryOut.isTTY
    ? { bold: pc.default.bold, dim: pc.default.dim, red: pc.default.red, green: pc.default.green }
    : undefined;
  if (baseline)
    report.comparison = {
      ...compareBenchReports(baseline, report, settings.maxRegression),
      baseline: args.compare!,
    };
  summaryOut.write(renderBenchText(report, style));
  await writeBenchFiles(report, args, 'bench', io);
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
  baseline: BenchReport,
  path: string,
  workers: number,
  plan: LoadPlan,
  frames: ReplayFrame[],
  functions: string[],
): Promise<void> {
  const [{ incomparabilities }, { benchLoad }, { collectBenchSource }] = await Promise.all([
    import('../report/bench-comparable.js'),
    import('../load/load-plan.js'),
    import('../load/bench-source.js'),
  ]);
  const names = usageError(() => collectBenchSource(frames, functions).functions.map((f) => f.name));
  const why = incomparabilities(baseline, { load: benchLoad(plan, workers), functions: names });
  if (why.length > 0)
    throw new CliError(`--compare ${path}: not comparable with this run (${why.join('; ')})`);
}
