import type { Argv } from 'yargs';
import type { RedactRules } from '../codec/redact.js';
import type { LoadPlan } from '../load/pacer.js';
import type { BenchReport } from '../report/bench-report.js';
import { CliError, usageError, type ArgsOf } from './command.js';
import {
  durationFlag,
  numberFlag,
  optionalDurationFlag,
  optionalNumberFlag,
  sessionFlag,
} from './flag-values.js';
import { redactFlags, resolveRedactFlags } from './redact-flags.js';

/** bench's flags, declared once. Numbers and durations as typed: cli/flag-values reads them (then load-plan's rules apply). */
export function benchFlags(y: Argv) {
  return redactFlags(y)
    .option('db', { type: 'string', demandOption: true, describe: 'the recording (SQLite file)' })
    .option('session', {
      type: 'string',
      describe: 'session id (default: the last session with invocations)',
    })
    .option('worker', {
      type: 'string',
      demandOption: true,
      describe: 'the worker command line; host arguments are appended',
    })
    .option('workers', {
      type: 'string',
      default: '1',
      describe: 'worker processes to start; load is spread over their streams',
    })
    .option('cwd', {
      type: 'string',
      describe:
        'working directory of the workers (a host uses the function app directory; default: the current one)',
    })
    .option('function', {
      type: 'string',
      array: true,
      describe: 'only invocations of these functions (repeat or comma-separate)',
    })
    .option('concurrency', {
      alias: 'c',
      type: 'string',
      describe: 'closed loop: invocations in flight (default 10); open loop: a cap on in-flight',
    })
    .option('rate', {
      alias: 'r',
      type: 'string',
      describe: 'open loop: invocations per second, sent on schedule whatever the answers do',
    })
    .option('stages', {
      type: 'string',
      describe:
        'ramp the rate (open loop) or concurrency (closed loop): "10s:100,30s:500,10s:0"; "N/s" targets mean a rate',
    })
    .option('duration', {
      alias: 'd',
      type: 'string',
      describe: "measured time after warmup, e.g. 30s, 2m (default 10s, or the stages' length)",
    })
    .option('invocations', {
      alias: 'n',
      type: 'string',
      describe: 'stop after this many measured invocations (instead of --duration)',
    })
    .option('warmup', {
      type: 'string',
      describe: 'run this long first, excluded from every figure (e.g. 5s)',
    })
    .option('verify', {
      type: 'boolean',
      default: false,
      describe: "compare each answer with its recorded counterpart (replay's diff); differences give exit 1",
    })
    .option('ignore', {
      type: 'string',
      array: true,
      describe: 'with --verify: proto3 JSON paths to leave out of the diff (* and ** wildcards)',
    })
    .option('json', {
      type: 'string',
      nargs: 1,
      describe: 'write the full report as JSON to this file (- for stdout)',
    })
    .option('html', { type: 'string', describe: 'write a self-contained HTML report (charts) to this file' })
    .option('compare', {
      type: 'string',
      describe: 'a previous --json report: print the deltas, exit 1 on a regression',
    })
    .option('max-regression', {
      type: 'string',
      default: '10%',
      describe: 'with --compare: how much worse throughput or p99 may get',
    })
    .option('start-timeout', {
      type: 'string',
      default: '30s',
      describe: 'how long each worker may take to connect and load its functions (0 = no limit)',
    })
    .option('drain-timeout', {
      type: 'string',
      default: '10s',
      describe:
        'after sending stops, how long to wait for answers in flight; also how long workers may go silent with invocations in flight',
    })
    .option('progress', {
      type: 'boolean',
      describe: 'live progress line on stderr (default: when stderr is a terminal)',
    });
}

export type BenchArgs = ArgsOf<typeof benchFlags>;

/** What bench's flags say, read and checked before anything starts. */
export interface BenchSettings {
  plan: LoadPlan;
  startTimeoutMs: number;
  drainTimeoutMs: number;
  workers: number;
  session?: number;
  maxRegression: number;
  functions: string[];
  redact: RedactRules | false;
  /** The `--compare` report, read now: a bad file should not cost a whole run. */
  baseline?: BenchReport;
}

/** Read and check every flag (and the output paths: a typo should not cost a whole run); each refusal is a one-line CliError. */
export async function resolveBenchFlags(args: BenchArgs): Promise<BenchSettings> {
  const [{ resolveLoadPlan }, { parsePercent }, { statSync }] = await Promise.all([
    import('../load/load-plan.js'),
    import('../report/bench-compare.js'),
    import('node:fs'),
  ]);
  const concurrency = optionalNumberFlag('concurrency', args.concurrency, { integer: true, min: 1 });
  const rate = optionalNumberFlag('rate', args.rate, { min: 0 });
  const invocations = optionalNumberFlag('invocations', args.invocations, { integer: true, min: 1 });
  optionalDurationFlag('duration', args.duration);
  optionalDurationFlag('warmup', args.warmup, { zero: 'allowed' });
  const plan = usageError(() =>
    resolveLoadPlan({
      ...(concurrency !== undefined ? { concurrency } : {}),
      ...(rate !== undefined ? { rate } : {}),
      ...(args.stages !== undefined ? { stages: args.stages } : {}),
      ...(args.duration !== undefined ? { duration: args.duration } : {}),
      ...(invocations !== undefined ? { invocations } : {}),
      ...(args.warmup !== undefined ? { warmup: args.warmup } : {}),
    }),
  );
  const startTimeoutMs = durationFlag('start-timeout', args['start-timeout'], { zero: 'allowed' });
  const drainTimeoutMs = durationFlag('drain-timeout', args['drain-timeout']);
  const workers = numberFlag('workers', args.workers, { integer: true, min: 1 });
  const session = sessionFlag(args.session);
  const maxRegression = usageError(() => parsePercent(args['max-regression']));
  const cwd = args.cwd;
  if (cwd !== undefined && !usageError(() => statSync(cwd, { throwIfNoEntry: false })?.isDirectory()))
    throw new CliError(`--cwd ${cwd} is not a directory`);
  const functions = (args.function ?? [])
    .flatMap((f) => f.split(','))
    .map((f) => f.trim())
    .filter(Boolean);
  await checkCommandAndIgnores(args);
  const redact = await resolveRedactFlags(args);
  const { checkOutputPath } = await import('./output-path.js');
  checkOutputPath('--json', args.json);
  checkOutputPath('--html', args.html);
  const baseline = args.compare !== undefined ? await readBaseline(args.compare) : undefined;
  return {
    plan,
    startTimeoutMs,
    drainTimeoutMs,
    workers,
    session,
    maxRegression,
    functions,
    redact,
    ...(baseline ? { baseline } : {}),
  };
}

/** `--worker` given once and not empty; `--ignore` paths that compile. */
async function checkCommandAndIgnores(args: BenchArgs): Promise<void> {
  if (typeof args.worker !== 'string')
    throw new CliError('give --worker once (use --workers K for several processes)');
  const worker = args.worker;
  const { shellSplit } = await import('../peers/shell-split.js');
  if (usageError(() => shellSplit(worker)).length === 0) throw new CliError('--worker is empty');
  const ignore = args.ignore;
  if (ignore) {
    const { compileIgnores } = await import('../replay/ignore-paths.js');
    usageError(() => compileIgnores(ignore.map(String)));
  }
}

/** The `--compare` report; a file that is not one is exit 2. */
async function readBaseline(path: string): Promise<BenchReport> {
  const [{ readFileSync }, { isBenchReport }] = await Promise.all([
    import('node:fs'),
    import('../report/bench-report.js'),
  ]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    const why = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    throw new CliError(`--compare ${path} is not a readable JSON report (${why})`);
  }
  if (!isBenchReport(parsed)) throw new CliError(`--compare ${path} is not a functape bench JSON report`);
  return parsed;
}
