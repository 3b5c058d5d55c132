import { formatHostPort } from '../model/host-address.js';
import { randomUUID } from 'node:crypto';
import { numberFlag } from './flag-values.js';
import { hostArgFlags, hostConnection } from './host-arg-flags.js';
import { parseBugs, parseWorkerBugs, WORKER_BUGS, workerBugsHelp } from '../peers/worker-bugs.js';
import { defineCommand, usageError } from './command.js';

/** Caps that keep one flag from stalling the worker (10 s of CPU, 100,000 logs per invocation). */
const MAX_WORK_US = 10_000_000;
const MAX_LOGS = 100_000;

export const workerCommand = defineCommand({
  // `[args..]`: a host puts its defaultWorkerPath (and configured arguments) before the host arguments.
  command: 'worker [args..]',
  describe:
    'The reference language worker: started by a host with the host arguments appended ' +
    '(functape worker [options] [--] --functions-uri http://H:P/ --functions-worker-id W ...)',
  builder: (y) =>
    hostArgFlags(y)
      .option('greeting', {
        type: 'string',
        default: 'Hello',
        describe: 'the word `hello` answers with ("Hi" makes a worker that changed one output field)',
      })
      .option('load-collection', {
        type: 'boolean',
        default: false,
        describe:
          'advertise SupportsLoadResponseCollection (the host then loads all functions in one message)',
      })
      .option('list-functions', {
        type: 'boolean',
        default: false,
        describe: 'print the built-in functions and exit',
      })
      .option('binding-name', {
        type: 'string',
        describe:
          'name the HTTP trigger binding this in the metadata (real apps do) and fail invocations whose input names another binding',
      })
      .option('log-worker-id', {
        type: 'boolean',
        default: false,
        describe: 'start every invocation with an RpcLog naming the worker id, as real workers do',
      })
      .option('bug', {
        type: 'string',
        array: true,
        describe: `switch on a deliberate bug, NAME or NAME=ARG (repeatable; --list-bugs lists them): ${workerBugsHelp()}`,
      })
      .option('list-bugs', {
        type: 'boolean',
        default: false,
        describe: 'print the deliberate bugs --bug switches on, and exit',
      })
      .option('verbose', {
        type: 'boolean',
        default: false,
        describe: 'print what the worker does to stderr',
      })
      .option('work-us', {
        type: 'string',
        default: '0',
        describe: 'CPU each invocation uses (µs, a busy loop), to cost like a real worker under load',
      })
      .option('logs', {
        type: 'string',
        default: '0',
        describe: "RpcLogs each invocation writes besides its function's own (a real worker writes ~2)",
      })
      .positional('args', {
        type: 'string',
        array: true,
        describe: 'ignored words (e.g. the defaultWorkerPath a host passes)',
      }),
  run: async (args, io) => {
    const { BUILTIN_FUNCTIONS } = await import('../peers/builtin-functions.js');
    if (args['list-bugs']) {
      for (const b of WORKER_BUGS)
        io.stdout.write(`${`${b.name}${b.arg ? `=${b.arg}` : ''}`.padEnd(32)} ${b.doc}\n`);
      return 0;
    }
    if (args['list-functions']) {
      for (const f of BUILTIN_FUNCTIONS) io.stdout.write(`${f.name.padEnd(6)} ${f.summary}\n`);
      return 0;
    }
    const cost = {
      workUs: numberFlag('work-us', args['work-us'], { integer: true, min: 0, max: MAX_WORK_US }),
      logs: numberFlag('logs', args.logs, { integer: true, min: 0, max: MAX_LOGS }),
    };
    const bugNames = usageError(() => parseBugs((args.bug ?? []).map(String)), '--bug');
    const bugs =
      bugNames.size > 0
        ? usageError(() => parseWorkerBugs((args.bug ?? []).map(String)), '--bug')
        : undefined;
    // A host puts its defaultWorkerPath (and configured arguments) before the host arguments.
    const host = hostConnection(args, [...(args.args ?? []), ...args._.slice(1)], 'worker');
    for (const w of host.warnings) io.stderr.write(`functape worker: warning: ${w}\n`);

    const [{ dialAsWorker }, { createWorkerProtocol }, { runWorker }, { FUNCTAPE_VERSION }] =
      await Promise.all([
        import('../wire/grpc-peer.js'),
        import('../peers/worker-protocol.js'),
        import('../peers/worker-runner.js'),
        import('../version.js'),
      ]);
    const address = formatHostPort(host);
    const maxMessageBytes = bugNames.has('conform-small-max-message')
      ? 4 * 1024 * 1024
      : host.maxMessageLength;
    const duplex = dialAsWorker({ address, maxMessageBytes });
    const inner = createWorkerProtocol({
      workerId: host.workerId,
      requestId: host.requestId,
      greeting: args.greeting,
      loadCollection: args['load-collection'],
      logWorkerId: args['log-worker-id'],
      ...(args['binding-name'] ? { bindingName: args['binding-name'] } : {}),
      cost,
      ...(bugs ? { bugs, entropy: { newId: randomUUID, nowMs: Date.now } } : {}),
      workerVersion: FUNCTAPE_VERSION,
      runtime: { name: 'node', version: process.versions.node, bitness: process.arch, pid: process.pid },
    });
    const conformBugs = new Set([...bugNames.keys()].filter((b) => b.startsWith('conform-')));
    const protocol =
      conformBugs.size > 0
        ? (await import('../peers/conform-bugs.js')).withConformBugs(inner, conformBugs)
        : inner;
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
    if (bugNames.has('conform-hang-on-drop')) {
      // The bug: the process outlives its stream (a timer keeps it up until it is killed).
      setInterval(() => {}, 60_000);
      await new Promise<never>(() => {});
    }
    if (io.signal.aborted) {
      io.stderr.write(`functape worker: stopped by ${String(io.signal.reason)}\n`);
      return 0;
    }
    if (result.exitCode !== 0 || args.verbose) io.stderr.write(`functape worker: ${result.reason}\n`);
    if (args.verbose) {
      const s = protocol.stats();
      io.stderr.write(
        `functape worker: ${s.received} messages received, ${s.invocations} invocations, ${s.ignored} ignored, ${s.undecodable} undecodable\n`,
      );
    }
    return result.exitCode;
  },
});
