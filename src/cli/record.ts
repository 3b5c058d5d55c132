import { CliError, defineCommand } from './command.js';
import { allowRemoteFlag, formatHostPort, listenAddress, parseHostPort } from './listen-address.js';
import { storeFlags } from './store-options.js';

/** Resolves when the signal fires (at once if it already has). */
export function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

export const recordCommand = defineCommand({
  command: 'record',
  describe: 'Sit between workers and a host as a transparent gRPC proxy and record every message into SQLite',
  builder: (y) =>
    storeFlags(
      allowRemoteFlag(
        y
          .option('listen', {
            type: 'string',
            default: '127.0.0.1:0',
            describe:
              'HOST:PORT workers connect to (port 0: any free port, printed as "listening on HOST:PORT")',
          })
          .option('upstream', {
            type: 'string',
            demandOption: true,
            describe: 'HOST:PORT of the real host (its gRPC server)',
          }),
      ),
    ),
  run: async (args, io) => {
    const upstream = parseHostPort(args.upstream, '--upstream');
    const listen = listenAddress(args.listen, args['allow-remote'], 'record', io);
    const { resolveStoreFlags, beginOpenStore } = await import('./store-options.js');
    const settings = await resolveStoreFlags(args, io, 'record');
    // Load the relay's modules on this thread while the file is checked; then listen at
    // once and let the proxy hold what it captures until the store's writer thread is ready.
    const proxyModule = import('./recording-proxy.js');
    const { warnIfShared } = await import('./private-file.js');
    const { ready, abandon } = await beginOpenStore(settings, () =>
      warnIfShared(settings.path, 'record', io),
    );
    const { startRecordingProxy, summaryLine } = await proxyModule;
    let proxy;
    try {
      proxy = await startRecordingProxy({
        listen,
        upstream,
        store: ready,
        onStoreError: settings.onStoreError,
        ...(settings.label !== undefined ? { label: settings.label } : {}),
        warn: (line) => io.stderr.write(`${line}\n`),
      });
    } catch (err) {
      await abandon(); // nothing was recorded: a file this run created goes too
      const code = (err as NodeJS.ErrnoException).code;
      throw new CliError(
        `cannot listen on ${args.listen}: ${code ?? (err instanceof Error ? err.message : String(err))}`,
      );
    }
    io.stdout.write(
      `functape record: listening on ${formatHostPort(proxy.address)}, relaying to ${formatHostPort(upstream)}, recording to ${settings.path}\n`,
    );
    const pusher = (await import('./push-to.js')).pushWhenOpen(ready, settings, io.stderr);
    const unopened = proxy.unopened.then((err) => ({ unopened: err }));
    const failure = await Promise.race([aborted(io.signal).then(() => undefined), proxy.failed, unopened]);
    const summary = await proxy.stop();
    pusher.stop();
    // The writer thread could not open the file after all: the same one line, exit 2, as
    // when the check fails before listening.
    if (failure && 'unopened' in failure) throw failure.unopened;
    io.stderr.write(`${summaryLine(summary, settings.path)}\n`);
    return failure ? 1 : 0;
  },
});
