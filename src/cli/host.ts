import { statSync } from 'node:fs';
import { CliError, defineCommand } from './command.js';

export const DEFAULT_HOST_FUNCTIONS = ['echo', 'hello', 'sleep', 'log', 'fail', 'noop'];

interface HostArgs {
  worker: string;
  invocations: number;
  concurrency: number;
  function?: string[];
  'cancel-every': number;
  'log-count': number;
  'big-mb': number;
  'reload-env': boolean;
  'app-dir'?: string;
  'start-timeout': number;
  'answer-timeout': number;
  json: boolean;
  verbose: boolean;
}

function positiveInt(name: string, v: number, min: number): number {
  if (!Number.isInteger(v) || v < min) throw new CliError(`--${name} must be an integer >= ${min} (got ${v})`);
  return v;
}

export const hostCommand = defineCommand<HostArgs>({
  command: 'host',
  describe: 'A scripted Functions host: start a worker with the host arguments, init, metadata, load, '
    + 'N invocations, status, terminate; print a summary (exit 0 ok, 1 unexpected answers, 3 the worker broke)',
  builder: (y) =>
    y
      .option('worker', { type: 'string', demandOption: true, describe: 'the worker command line (shell-split; host arguments are appended)' })
      .option('invocations', { alias: 'n', type: 'number', default: 100, describe: 'invocations to send' })
      .option('concurrency', { alias: 'c', type: 'number', default: 8, describe: 'invocations in flight at most' })
      .option('function', { alias: 'f', type: 'string', array: true, describe: `functions to invoke, cycled (repeat or comma-separate; default ${DEFAULT_HOST_FUNCTIONS.join(',')})` })
      .option('cancel-every', { type: 'number', default: 0, describe: 'every Nth sleep invocation sleeps a minute and is cancelled at once (0 = never)' })
      .option('log-count', { type: 'number', default: 5, describe: 'RpcLogs each `log` invocation asks for' })
      .option('big-mb', { type: 'number', default: 1, describe: 'response size each `big` invocation asks for, MiB' })
      .option('reload-env', { type: 'boolean', default: false, describe: 'specialize: send a FunctionEnvironmentReloadRequest after init' })
      .option('app-dir', { type: 'string', describe: 'function app directory: the worker\'s cwd and what init/metadata name (default: current directory)' })
      .option('start-timeout', { type: 'number', default: 30, describe: 'seconds the worker may take to connect' })
      .option('answer-timeout', { type: 'number', default: 30, describe: 'seconds the worker may stay silent while an answer is due' })
      .option('json', { type: 'boolean', default: false, describe: 'print the report as JSON' })
      .option('verbose', { type: 'boolean', default: false, describe: 'copy the worker\'s output to stderr' }) as never,
  run: async (args, io) => {
    positiveInt('invocations', args.invocations, 0);
    positiveInt('concurrency', args.concurrency, 1);
    positiveInt('cancel-every', args['cancel-every'], 0);
    positiveInt('log-count', args['log-count'], 0);
    if (!(args['big-mb'] >= 0)) throw new CliError(`--big-mb must be >= 0 (got ${args['big-mb']})`);
    for (const flag of ['start-timeout', 'answer-timeout'] as const) {
      if (!(args[flag] > 0 && Number.isFinite(args[flag]))) throw new CliError(`--${flag} must be a number of seconds > 0 (got ${args[flag]})`);
    }
    const functions = (args.function ?? DEFAULT_HOST_FUNCTIONS).flatMap((f) => f.split(',')).map((f) => f.trim()).filter(Boolean);
    if (functions.length === 0) throw new CliError('--function needs at least one name');

    const [{ shellSplit }, { spawnWorker }, { runHost }, { formatHostReport, hostExitCode }, { listenAsHost }, { FUNCTAPE_VERSION }, { randomUUID }, { resolve }] =
      await Promise.all([
        import('../peers/shell-split.js'), import('../peers/spawn-worker.js'), import('../peers/host-runner.js'),
        import('../peers/host-report.js'), import('../wire/grpc-peer.js'), import('../version.js'), import('node:crypto'), import('node:path'),
      ]);
    let command: string[];
    try {
      command = shellSplit(args.worker);
    } catch (err) {
      throw new CliError(`--worker: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (command.length === 0) throw new CliError('--worker is empty');
    const appDir = resolve(args['app-dir'] ?? process.cwd());
    if (!statSync(appDir, { throwIfNoEntry: false })?.isDirectory()) throw new CliError(`--app-dir ${args['app-dir']} is not a directory`);

    const listener = await listenAsHost({ host: '127.0.0.1', port: 0 });
    try {
      const report = await runHost({
        listener: { host: '127.0.0.1', port: listener.port, onStream: (cb) => listener.onStream(cb) },
        startWorker: (hostArgs) => spawnWorker(command, hostArgs, {
          cwd: appDir,
          onLine: args.verbose ? (line) => io.stderr.write(`[worker] ${line}\n`) : undefined,
        }),
        functions,
        invocations: args.invocations,
        concurrency: args.concurrency,
        plan: { logCount: args['log-count'], bigMb: args['big-mb'], cancelEvery: args['cancel-every'] },
        reloadEnv: args['reload-env'],
        hostVersion: `functape-host/${FUNCTAPE_VERSION}`,
        appDirectory: appDir,
        newGuid: randomUUID,
        now: () => process.hrtime.bigint(),
        wallNow: () => Date.now(),
        startTimeoutMs: args['start-timeout'] * 1000,
        answerTimeoutMs: args['answer-timeout'] * 1000,
        signal: io.signal,
      });
      io.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : formatHostReport(report));
      return hostExitCode(report);
    } finally {
      await listener.close(1000);
    }
  },
});
