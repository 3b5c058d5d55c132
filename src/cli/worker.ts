import { CliError, defineCommand } from './command.js';

/** The host connection flags, declared so strict parsing accepts them where a host puts them. */
const HOST_FLAGS = [
  'host', 'port', 'workerId', 'requestId', 'grpcMaxMessageLength',
  'functions-uri', 'functions-worker-id', 'functions-request-id', 'functions-grpc-max-message-length',
] as const;

interface WorkerArgs {
  greeting: string;
  'work-us': number;
  logs: number;
  'load-collection': boolean;
  'list-functions': boolean;
  verbose: boolean;
  _: Array<string | number>;
  args?: Array<string | number>;
  [flag: string]: unknown;
}

/** Rebuild the host arguments as a host passed them: declared flags plus whatever followed `--`. */
function hostArgv(args: WorkerArgs): string[] {
  const out: string[] = [];
  for (const flag of HOST_FLAGS) {
    const v = args[flag];
    if (v === undefined) continue;
    const last = Array.isArray(v) ? v[v.length - 1] : v;
    out.push(`--${flag}`, String(last));
  }
  return [...out, ...(args.args ?? []).map(String), ...args._.slice(1).map(String)];
}

/** Caps that keep one flag from stalling the worker (10 s of CPU, 100,000 logs per invocation). */
const MAX_WORK_US = 10_000_000;
const MAX_LOGS = 100_000;

/** A whole number from 0 to `max`, or a one-line usage error. */
function countFlag(value: number, flag: string, max: number): number {
  if (!Number.isInteger(value) || value < 0 || value > max) throw new CliError(`${flag} must be a whole number from 0 to ${max} (got ${value})`);
  return value;
}

export const workerCommand = defineCommand<WorkerArgs>({
  // `[args..]`: a host puts its defaultWorkerPath (and configured arguments) before the host arguments.
  command: 'worker [args..]',
  describe: 'The reference language worker: started by a host with the host arguments appended '
    + '(functape worker [options] [--] --functions-uri http://H:P/ --functions-worker-id W ...)',
  builder: (y) => {
    let b = y
      .option('greeting', { type: 'string', default: 'Hello', describe: 'the word `hello` answers with ("Hi" makes a worker that changed one output field)' })
      .option('load-collection', { type: 'boolean', default: false, describe: 'advertise SupportsLoadResponseCollection (the host then loads all functions in one message)' })
      .option('list-functions', { type: 'boolean', default: false, describe: 'print the built-in functions and exit' })
      .option('verbose', { type: 'boolean', default: false, describe: 'print what the worker does to stderr' })
      .option('work-us', { type: 'number', default: 0, describe: 'CPU each invocation uses (µs, a busy loop), to cost like a real worker under load' })
      .option('logs', { type: 'number', default: 0, describe: 'RpcLogs each invocation writes besides its function\'s own (a real worker writes ~2)' });
    b = b.positional('args', { type: 'string', array: true, describe: 'ignored words (e.g. the defaultWorkerPath a host passes)' });
    for (const flag of HOST_FLAGS) b = b.option(flag, { type: 'string', hidden: true });
    return b as never;
  },
  run: async (args, io) => {
    const { BUILTIN_FUNCTIONS } = await import('../peers/builtin-functions.js');
    if (args['list-functions']) {
      for (const f of BUILTIN_FUNCTIONS) io.stdout.write(`${f.name.padEnd(6)} ${f.summary}\n`);
      return 0;
    }
    const cost = { workUs: countFlag(args['work-us'], '--work-us', MAX_WORK_US), logs: countFlag(args.logs, '--logs', MAX_LOGS) };
    const { parseHostArgs } = await import('../model/host-args.js');
    const parsed = parseHostArgs(hostArgv(args));
    if (!parsed.ok) throw new CliError(`worker: ${parsed.error}`);
    const host = parsed.args;
    for (const w of host.warnings) io.stderr.write(`functape worker: warning: ${w}\n`);

    const [{ dialAsWorker }, { createWorkerProtocol }, { runWorker }, { FUNCTAPE_VERSION }] = await Promise.all([
      import('../wire/grpc-peer.js'), import('../peers/worker-protocol.js'), import('../peers/worker-runner.js'), import('../version.js'),
    ]);
    const address = `${host.host.includes(':') ? `[${host.host}]` : host.host}:${host.port}`;
    const duplex = dialAsWorker({ address, maxMessageBytes: host.maxMessageLength ?? 2147483647 });
    const protocol = createWorkerProtocol({
      workerId: host.workerId,
      requestId: host.requestId,
      greeting: args.greeting,
      loadCollection: args['load-collection'],
      cost,
      workerVersion: FUNCTAPE_VERSION,
      runtime: { name: 'node', version: process.versions.node, bitness: process.arch, pid: process.pid },
    });
    if (args.verbose) io.stderr.write(`functape worker ${host.workerId}: connecting to ${address}\n`);
    const onAbort = () => duplex.cancel();
    io.signal.addEventListener('abort', onAbort, { once: true });
    const result = await runWorker(duplex, protocol);
    io.signal.removeEventListener('abort', onAbort);
    if (result.crash) {
      io.stderr.write(`functape worker: ${result.reason}\n`);
      // The point of `crash` is a worker process that dies mid-invocation: no clean shutdown.
      process.exit(result.exitCode);
    }
    if (io.signal.aborted) {
      io.stderr.write(`functape worker: stopped by ${String(io.signal.reason)}\n`);
      return 0;
    }
    if (result.exitCode !== 0 || args.verbose) io.stderr.write(`functape worker: ${result.reason}\n`);
    if (args.verbose) {
      const s = protocol.stats();
      io.stderr.write(`functape worker: ${s.received} messages received, ${s.invocations} invocations, ${s.ignored} ignored, ${s.undecodable} undecodable\n`);
    }
    return result.exitCode;
  },
});
