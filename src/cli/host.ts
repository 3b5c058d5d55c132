import { statSync } from 'node:fs';
import { CliError, defineCommand, usageError } from './command.js';
import { durationFlag, numberFlag, timerMs } from './flag-values.js';

export const DEFAULT_HOST_FUNCTIONS = ['echo', 'hello', 'sleep', 'log', 'fail', 'noop'];

/** Numbers and durations are declared as strings: cli/flag-values reads what was typed. */
export const hostCommand = defineCommand({
  command: 'host',
  describe:
    'A scripted Functions host: start a worker with the host arguments, init, metadata, load, ' +
    'N invocations, status, terminate; print a summary (exit 0 ok, 1 unexpected answers, 3 the worker broke)',
  builder: (y) =>
    y
      .option('worker', {
        type: 'string',
        demandOption: true,
        describe: 'the worker command line (shell-split; host arguments are appended)',
      })
      .option('invocations', { alias: 'n', type: 'string', default: '100', describe: 'invocations to send' })
      .option('concurrency', {
        alias: 'c',
        type: 'string',
        default: '8',
        describe: 'invocations in flight at most',
      })
      .option('function', {
        alias: 'f',
        type: 'string',
        array: true,
        describe: `functions to invoke, cycled (repeat or comma-separate; default ${DEFAULT_HOST_FUNCTIONS.join(',')})`,
      })
      .option('cancel-every', {
        type: 'string',
        default: '0',
        describe: 'every Nth sleep invocation sleeps a minute and is cancelled at once (0 = never)',
      })
      .option('log-count', {
        type: 'string',
        default: '5',
        describe: 'RpcLogs each `log` invocation asks for',
      })
      .option('big-mb', {
        type: 'string',
        default: '1',
        describe: 'response size each `big` invocation asks for, MiB',
      })
      .option('reload-env', {
        type: 'boolean',
        default: false,
        describe: 'specialize: send a FunctionEnvironmentReloadRequest after init',
      })
      .option('app-dir', {
        type: 'string',
        describe:
          "function app directory: the worker's cwd and what init/metadata name (default: current directory)",
      })
      .option('start-timeout', {
        type: 'string',
        default: '30s',
        describe: 'how long the worker may take to connect (0 = no limit)',
      })
      .option('answer-timeout', {
        type: 'string',
        default: '30s',
        describe: 'how long the worker may stay silent while an answer is due',
      })
      .option('json', { type: 'boolean', default: false, describe: 'print the report as JSON' })
      .option('verbose', { type: 'boolean', default: false, describe: "copy the worker's output to stderr" }),
  run: async (args, io) => {
    const whole = (flag: 'invocations' | 'concurrency' | 'cancel-every' | 'log-count', min: number) =>
      numberFlag(flag, args[flag], { integer: true, min });
    const [invocations, concurrency, cancelEvery, logCount] = [
      whole('invocations', 0),
      whole('concurrency', 1),
      whole('cancel-every', 0),
      whole('log-count', 0),
    ];
    const bigMb = numberFlag('big-mb', args['big-mb'], { min: 0 });
    const startTimeoutMs = durationFlag('start-timeout', args['start-timeout'], { zero: 'allowed' });
    const answerTimeoutMs = durationFlag('answer-timeout', args['answer-timeout']);
    const functions = (args.function ?? DEFAULT_HOST_FUNCTIONS)
      .flatMap((f) => f.split(','))
      .map((f) => f.trim())
      .filter(Boolean);
    if (functions.length === 0) throw new CliError('--function needs at least one name');

    const [
      { shellSplit },
      { spawnWorker },
      { runHost },
      { formatHostReport, hostExitCode },
      { listenAsHost },
      { FUNCTAPE_VERSION },
      { randomUUID },
      { resolve },
    ] = await Promise.all([
      import('../peers/shell-split.js'),
      import('../peers/spawn-worker.js'),
      import('../peers/host-runner.js'),
      import('../peers/host-report.js'),
      import('../wire/grpc-peer.js'),
      import('../version.js'),
      import('node:crypto'),
      import('node:path'),
    ]);
    const command = usageError(() => shellSplit(args.worker), '--worker');
    if (command.length === 0) throw new CliError('--worker is empty');
    const appDir = resolve(args['app-dir'] ?? process.cwd());
    if (!statSync(appDir, { throwIfNoEntry: false })?.isDirectory())
      throw new CliError(`--app-dir ${args['app-dir']} is not a directory`);

    const listener = await listenAsHost({ host: '127.0.0.1', port: 0 });
    try {
      const report = await runHost({
        listener: { host: '127.0.0.1', port: listener.port, onStream: (cb) => listener.onStream(cb) },
        startWorker: (hostArgs) =>
          spawnWorker(command, hostArgs, {
            cwd: appDir,
            onLine: args.verbose ? (line) => io.stderr.write(`[worker] ${line}\n`) : undefined,
          }),
        functions,
        invocations,
        concurrency,
        plan: { logCount, bigMb, cancelEvery },
        reloadEnv: args['reload-env'],
        hostVersion: `functape-host/${FUNCTAPE_VERSION}`,
        appDirectory: appDir,
        newGuid: randomUUID,
        now: () => process.hrtime.bigint(),
        wallNow: () => Date.now(),
        startTimeoutMs: timerMs(startTimeoutMs),
        answerTimeoutMs,
        signal: io.signal,
      });
      io.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : formatHostReport(report));
      return hostExitCode(report);
    } finally {
      await listener.close(1000);
    }
  },
});
