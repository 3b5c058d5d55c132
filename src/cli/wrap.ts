import { CliError, defineCommand } from './command.js';
import { storeFlags } from './store-options.js';
import type { CaptureStore } from '../model/store.js';

/** How long, after the worker exited, its streams get to end by themselves. */
const WORKER_GONE_GRACE_MS = 1000;

export const wrapCommand = defineCommand({
  command: 'wrap',
  describe:
    'Launcher shim: run a language worker with a recording proxy between it and the host ' +
    '(functape wrap --db FILE -- WORKER_CMD [ARGS...] <host args>)',
  builder: (y) =>
    storeFlags(
      y
        .parserConfiguration({ 'populate--': true, 'unknown-options-as-args': false })
        .option('quiet', {
          type: 'boolean',
          default: false,
          describe: 'print nothing of its own unless something goes wrong',
        })
        .usage(
          'functape wrap --db FILE [options] -- WORKER_CMD [ARGS...]\n\n' +
            'The host arguments (--host/--port or --functions-uri ...) may come anywhere after --; they are ' +
            'pointed at a recording proxy on 127.0.0.1, everything else is passed on unchanged.',
        ),
    ),
  run: async (args, io) => {
    const argv = (args['--'] ?? args._.slice(1)).map(String);
    if (argv.length === 0)
      throw new CliError(
        'wrap: give the worker command after --, e.g. functape wrap --db rec.db -- node worker.js',
      );
    // The worker and its listener when the CLI's entry started them before parsing our
    // flags (wrap-early.ts); else every module the worker's start waits for, loaded at once.
    const head = (await io.wrapHead)?.take(argv);
    const [
      { parseHostArgs, rewriteHostAddress },
      { resolveStoreFlags, beginOpenStore },
      { startRecordingProxy, summaryLine },
      { startWorkerProcess },
      { warnIfShared },
    ] = await Promise.all([
      import('../peers/host-args.js'),
      import('./store-options.js'),
      import('./recording-proxy.js'),
      import('./wrap-early.js'),
      import('./private-file.js'),
      import('./redact.js'), // (resolveStoreFlags loads it)
    ]);
    const parsed = parseHostArgs(argv);
    const settings = await resolveStoreFlags(args, io, 'wrap').catch(async (err: unknown) => {
      // A worker started early for flags that turn out wrong is stopped.
      head?.child.kill('SIGTERM');
      await Promise.all([head?.outcome, head?.listener.close()]);
      throw err;
    });
    if (!parsed.ok)
      throw new CliError(
        `wrap: ${parsed.error} in the worker's arguments (a host appends them when it starts the worker)`,
      );
    const host = parsed.args;
    for (const w of host.warnings) io.stderr.write(`functape wrap: warning: ${w}\n`);
    // A host waits for its worker at every cold start: the worker starts as soon as the
    // proxy listens, and the store (the file check, SQLite, the writer thread) opens while
    // it boots. The proxy holds what crosses meanwhile, in order, until the store is ready
    // (see record); a file that cannot be used after all stops the worker (exit 2).
    const store = deferred<CaptureStore>();
    let proxy;
    try {
      proxy = await startRecordingProxy({
        listen: head ? { early: head.listener } : { host: '127.0.0.1', port: 0 },
        upstream: { host: host.host, port: host.port },
        store: store.promise,
        onStoreError: settings.onStoreError,
        ...(settings.label !== undefined ? { label: settings.label } : {}),
        warn: (line) => io.stderr.write(`${line.replace(/^functape record:/, 'functape wrap:')}\n`),
      });
    } catch (err) {
      head?.child.kill('SIGTERM');
      await head?.listener.close();
      throw new CliError(
        `wrap: cannot start the recording proxy: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    const { child, outcome: exited } =
      head ??
      (await startWorkerProcess(rewriteHostAddress(argv, { host: '127.0.0.1', port: proxy.address.port })));
    if (!args.quiet) {
      io.stderr.write(
        `functape wrap: recording ${argv[0]} <-> host ${host.host}:${host.port} via 127.0.0.1:${proxy.address.port} into ${settings.path}\n`,
      );
    }
    beginOpenStore(settings, () => warnIfShared(settings.path, 'wrap', io))
      .then(({ ready }) => ready)
      .then(store.resolve, store.reject);
    const pusher = (await import('./push-to.js')).pushWhenOpen(store.promise, settings, io.stderr);

    const forward = () => {
      const sig = typeof io.signal.reason === 'string' ? (io.signal.reason as NodeJS.Signals) : 'SIGTERM';
      if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    };
    io.signal.addEventListener('abort', forward, { once: true });
    if (io.signal.aborted) forward(); // a signal while the CLI was loading
    // A store that cannot be opened (a foreign, newer or corrupt file, a writer thread that
    // fails) stops the worker: one line and exit 2, as for any unusable file.
    let unopened: Error | undefined;
    void proxy.unopened.then((err) => {
      unopened = err;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    });
    const outcome = await exited;
    io.signal.removeEventListener('abort', forward);
    // The worker's connections close with its process, but its exit can be reported before
    // the relay has read that: let its streams end as the worker ended them (`worker-gone`)
    // before stopping ends what is left as a shutdown.
    await proxy.relay.whenIdle(WORKER_GONE_GRACE_MS);
    const summary = await proxy.stop();
    pusher.stop();
    if (unopened) throw unopened;
    if ('error' in outcome) {
      const code = (outcome.error as NodeJS.ErrnoException).code;
      io.stderr.write(
        `functape wrap: cannot start ${argv[0]}: ${code === 'ENOENT' ? 'no such command' : outcome.error.message}\n`,
      );
      return code === 'ENOENT' ? 127 : 126;
    }
    if (!args.quiet || summary.store.failed > 0)
      io.stderr.write(
        `${summaryLine(summary, settings.path).replace(/^functape record:/, 'functape wrap:')}\n`,
      );
    return outcome.code;
  },
});

/** A promise with its settle functions, for a value that comes later. */
function deferred<T>(): { promise: Promise<T>; resolve(value: T): void; reject(err: unknown): void } {
  let resolve: (value: T) => void = () => {};
  let reject: (err: unknown) => void = () => {};
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
