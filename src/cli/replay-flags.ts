import type { Argv } from 'yargs';
import type { RedactRules } from '../codec/redact.js';
import type { HostPort } from '../model/host-address.js';
import type { HostFault, WorkerFault } from '../replay/faults/fault-spec.js';
import type { Pace } from '../replay/pace.js';
import { CliError, usageError, type ArgsOf, type CliIo } from './command.js';
import { durationFlag, numberFlag, optionalNumberFlag, sessionFlag } from './flag-values.js';
import { hostArgFlags } from './host-arg-flags.js';
import { allowRemoteFlag } from './listen-address.js';
import { redactFlags, resolveRedactFlags } from './redact-flags.js';

/**
 * The flags that shape how a host replay runs and compares, declared once: `replay host`
 * takes them, and `minimize` passes them to every candidate replay.
 */
export function replayPassFlags(y: Argv) {
  return y
    .option('pace', {
      type: 'string',
      default: 'recorded',
      describe: 'recorded (keep recorded delays after each causal release), fast (none) or <N>x (scaled)',
    })
    .option('ignore', {
      type: 'string',
      array: true,
      describe:
        'a proto3 JSON field path left out of the diff, * and ** wildcards (repeatable), e.g. invocationResponse.returnValue.http.headers.date',
    })
    .option('ignore-file', {
      type: 'string',
      describe:
        'read more --ignore paths from this file (one per line, # comments), e.g. one --save-noise wrote',
    })
    .option('default-ignores', {
      type: 'boolean',
      default: true,
      describe:
        'also ignore what changes between runs (worker version/runtime metadata, stack traces); --no-default-ignores compares them',
    })
    .option('fault', {
      type: 'string',
      array: true,
      describe:
        'inject a fault (repeatable). host: delay:KIND[:FUNCTION]=DUR[~JITTER], reorder[:early-load|early-invoke|late-reload], cancel:FUNCTION@DUR, dup:KIND@P%, drop:KIND@P%, stall:DUR/EVERY, break@N; worker: delay-answer:FUNCTION=DUR, drop-answer:FUNCTION@P%, crash@N',
    })
    .option('seed', {
      type: 'string',
      default: '0',
      describe: 'seed of the fault PRNG: the same seed gives the same fault schedule',
    })
    .option('in-order', {
      type: 'boolean',
      default: false,
      describe:
        'host: send host messages in recorded order (each after the one before it), not only by causality: for workers whose answers depend on the order of independent invocations',
    })
    .option('max-in-flight', {
      type: 'string',
      describe: "host: most invocations in flight at once (default: the recording's peak; 0 = no limit)",
    })
    .option('answer-timeout', {
      type: 'string',
      default: '10s',
      describe: 'host: how long an answer may take before it counts as missing',
    });
}

export type ReplayPassArgs = ArgsOf<typeof replayPassFlags>;

/** What the pass-through flags say, read and checked (one-line CliErrors). */
export async function resolvePassFlags(args: ReplayPassArgs, side: 'host' | 'worker' = 'host') {
  const [{ parsePace }, { compileIgnores }] = await Promise.all([
    import('../replay/pace.js'),
    import('../replay/ignore-paths.js'),
  ]);
  const pace = usageError(() => parsePace(args.pace), '--pace');
  const ignore = [...(args.ignore ?? []).map(String), ...(await readIgnoreFile(args['ignore-file']))];
  usageError(() => compileIgnores(ignore), args['ignore-file'] ? '--ignore/--ignore-file' : '--ignore');
  const answerTimeoutMs = durationFlag('answer-timeout', args['answer-timeout']);
  const maxInFlight = optionalNumberFlag('max-in-flight', args['max-in-flight'], { integer: true, min: 0 });
  return {
    pace,
    ignore,
    answerTimeoutMs,
    inOrder: args['in-order'],
    ...(await resolveFaults(args, side, answerTimeoutMs)),
    ...(maxInFlight !== undefined ? { maxInFlight } : {}),
  };
}

/** replay's flags, declared once (the host connection flags for `replay worker` are hostArgFlags). */
export function replayFlags(y: Argv) {
  return (
    hostArgFlags(allowRemoteFlag(redactFlags(replayPassFlags(y))))
      // `<side>` in the command makes it required (yargs drops demandOption on a positional; it types it).
      .positional('side', {
        choices: ['host', 'worker'] as const,
        demandOption: true,
        describe: 'which side functape plays',
      })
      .option('db', {
        type: 'string',
        demandOption: true,
        describe:
          'the recording (SQLite, as written by record/wrap/import) or a fleet database (postgres://..., pulled into a local cache first)',
      })
      .option('session', {
        type: 'string',
        describe: 'session id to replay (default: the only session in the file; a uuid in a fleet database)',
      })
      .option('worker', {
        type: 'string',
        describe: 'host: the worker command line to start (host arguments are appended)',
      })
      .option('listen', {
        type: 'string',
        describe:
          'host: listen on HOST:PORT and wait for a worker started by hand (prints its host arguments)',
      })
      .option('learn-noise', {
        type: 'string',
        describe:
          'host: first replay N times (default 2) and ignore the fields that differ between those live runs (noise)',
      })
      .option('save-noise', {
        type: 'string',
        describe: 'host: write the learned noise as an ignore file (for --ignore-file)',
      })
      .option('start-timeout', {
        type: 'string',
        default: '30s',
        describe: 'host: how long the worker may take to connect (0 = no limit, the default with --listen)',
      })
      .option('report', { type: 'string', describe: 'write the report as JSON to this file' })
      .option('junit', {
        type: 'string',
        describe: 'write a JUnit XML file (one test case per answer) for CI dashboards',
      })
      .option('record', {
        type: 'string',
        describe: 'record the replayed session itself into this SQLite file',
      })
      .option('app-dir', {
        type: 'string',
        describe:
          "host: the live function app directory: the worker's working directory, and sent in place of the recorded one (default: current directory, recorded paths kept)",
      })
      .option('verbose', {
        type: 'boolean',
        default: false,
        describe: "list matched answers too, and copy the worker's output to stderr",
      })
  );
}

export type ReplayArgs = ArgsOf<typeof replayFlags>;

/** What replay's flags say, read and checked before anything starts. */
export interface ReplaySettings {
  pace: Pace;
  ignore: string[];
  answerTimeoutMs: number;
  inOrder: boolean;
  /** 0: no limit (the default with --listen). */
  startTimeoutMs: number;
  maxInFlight?: number;
  session?: number;
  listen?: HostPort;
  redact: RedactRules | false;
  /** `--learn-noise`: live runs to learn noise from first (0: none). */
  learnNoise: number;
  /** `--fault`, parsed for the side played. */
  hostFaults: HostFault[];
  workerFaults: WorkerFault[];
  seed: number;
}

/**
 * Read and check every flag (values, which side takes which, the app directory, the output
 * paths: a typo should not cost a whole replay). Every refusal is a one-line CliError.
 */
export async function resolveReplayFlags(args: ReplayArgs, io: CliIo): Promise<ReplaySettings> {
  const { pace, ignore, answerTimeoutMs, maxInFlight, inOrder, hostFaults, workerFaults, seed } =
    await resolvePassFlags(args, args.side);
  const learnNoise = learnNoiseFlag(args);
  if (args['save-noise'] !== undefined && learnNoise === 0)
    throw new CliError('--save-noise needs --learn-noise (it writes what was learned)');
  const startTimeoutMs =
    args.listen !== undefined && args['start-timeout'] === '30s'
      ? 0
      : durationFlag('start-timeout', args['start-timeout'], { zero: 'allowed' });
  const session = sessionFlag(args.session);
  if (args.side === 'host' && (args.worker === undefined) === (args.listen === undefined))
    throw new CliError('replay host needs exactly one of --worker "CMD" or --listen HOST:PORT');
  if (args.side === 'worker' && (args.worker !== undefined || args.listen !== undefined))
    throw new CliError('replay worker takes the host arguments, not --worker/--listen');
  const { listenAddress } = await import('./listen-address.js');
  const listen =
    args.listen !== undefined ? listenAddress(args.listen, args['allow-remote'], 'replay', io) : undefined;
  const appDir = args['app-dir'];
  if (args.side === 'host' && appDir !== undefined) {
    const { statSync } = await import('node:fs');
    if (!statSync(appDir, { throwIfNoEntry: false })?.isDirectory())
      throw new CliError(`--app-dir ${appDir} is not a directory`);
  }
  const { checkOutputPath } = await import('./output-path.js');
  checkOutputPath('--report', args.report);
  checkOutputPath('--junit', args.junit);
  checkOutputPath('--save-noise', args['save-noise']);
  const redact = await resolveRedactFlags(args);
  if (redact === false)
    io.stderr.write(
      'functape replay: warning: --redact off: secrets in live messages are compared, printed and written as they are\n',
    );
  return {
    pace,
    ignore,
    answerTimeoutMs,
    inOrder,
    startTimeoutMs,
    session,
    redact,
    learnNoise,
    hostFaults,
    workerFaults,
    seed,
    ...(maxInFlight !== undefined ? { maxInFlight } : {}),
    ...(listen ? { listen } : {}),
  };
}

/** `--fault` and `--seed`: every spec parsed for the side played (one-line errors, exit 2). */
async function resolveFaults(
  args: ReplayPassArgs,
  side: 'host' | 'worker',
  answerTimeoutMs: number,
): Promise<Pick<ReplaySettings, 'hostFaults' | 'workerFaults' | 'seed'>> {
  const { parseHostFault, parseWorkerFault } = await import('../replay/faults/fault-spec.js');
  const specs = (args.fault ?? []).map(String);
  const seed = numberFlag('seed', args.seed, { integer: true, min: 0, max: 2 ** 32 - 1 });
  const hostFaults = side === 'host' ? specs.map((f) => usageError(() => parseHostFault(f))) : [];
  const workerFaults = side === 'worker' ? specs.map((f) => usageError(() => parseWorkerFault(f))) : [];
  for (const f of hostFaults)
    if (f.type === 'stall' && f.ms >= answerTimeoutMs)
      throw new CliError(
        `--fault stall: DUR (${f.ms} ms) must be shorter than --answer-timeout (${answerTimeoutMs} ms)`,
      );
  return { hostFaults, workerFaults, seed };
}

/** `--ignore-file FILE`: its paths; a file that cannot be read is a one-line exit 2. */
async function readIgnoreFile(path: string | undefined): Promise<string[]> {
  if (path === undefined) return [];
  const [{ readFileSync }, { parseIgnoreFile }] = await Promise.all([
    import('node:fs'),
    import('../replay/learn-noise.js'),
  ]);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CliError(`--ignore-file ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return parseIgnoreFile(text);
}

/** `--learn-noise [N]`: 0 when absent, 2 when given without N. */
function learnNoiseFlag(args: ReplayArgs): number {
  const v = args['learn-noise'];
  if (v === undefined) return 0;
  if (args.side !== 'host') throw new CliError('--learn-noise is for replay host');
  if (args.worker === undefined)
    throw new CliError('--learn-noise needs --worker "CMD" (each live run starts the worker afresh)');
  return v === '' ? 2 : numberFlag('learn-noise', v, { integer: true, min: 2, max: 20 });
}
