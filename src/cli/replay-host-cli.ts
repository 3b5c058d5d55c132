import type { Duplex } from '../model/duplex.js';
import type { HostListener } from '../wire/grpc-peer.js';
import type { SpawnedWorker, WorkerExit } from '../peers/spawn-worker.js';
import type { ReplayHostOptions } from '../replay/replay-host.js';
import type { ReplayReport } from '../report/replay-report.js';
import { formatHostPort, type HostPort } from '../model/host-address.js';
import { CliError, usageError, type CliIo } from './command.js';
import type { ReplayArgs, ReplaySettings } from './replay-flags.js';

export type HostCommon = Omit<ReplayHostOptions, 'duplex' | 'workerId' | 'requestId'>;

/**
 * `replay host`: listen as the host, start the worker with the host arguments (or print
 * them for one started by hand), and replay over the first stream that is that worker's.
 * Returns the report, or the exit code when no worker came (3; 130 when interrupted).
 */
export async function replayHostCli(
  args: Pick<ReplayArgs, 'worker' | 'app-dir' | 'verbose'>,
  settings: Pick<ReplaySettings, 'listen' | 'startTimeoutMs'>,
  io: CliIo,
  options: HostCommon,
): Promise<ReplayReport | number> {
  const [{ buildHostArgs }, { shellSplit }, { replayHost }, { randomUUID }, { resolve }] = await Promise.all([
    import('../peers/host-args.js'),
    import('../peers/shell-split.js'),
    import('../replay/replay-host.js'),
    import('node:crypto'),
    import('node:path'),
  ]);
  const command =
    args.worker !== undefined ? usageError(() => shellSplit(args.worker!), '--worker') : undefined;
  if (command?.length === 0) throw new CliError('--worker is empty');
  const address = settings.listen ?? { host: '127.0.0.1', port: 0 };
  const listener = await listen(address);
  const workerId = randomUUID();
  const requestId = randomUUID();
  const hostArgs = buildHostArgs({ host: address.host, port: listener.port, workerId, requestId });
  const rejected: string[] = [];
  const stream = acceptWorker(listener, workerId, (why) => {
    rejected.push(why);
    io.stderr.write(`functape replay: ignoring a stream: ${why}\n`);
  });
  let worker: SpawnedWorker | undefined;
  try {
    if (command) worker = await startWorker(command, hostArgs, args, io);
    else
      io.stderr.write(
        `functape replay: listening on ${formatHostPort({ host: address.host, port: listener.port })}; start the worker with these host arguments:\n  ${hostArgs.join(' ')}\n`,
      );
    const limit = settings.startTimeoutMs;
    const first = await firstOf(stream, worker?.exited, limit, io.signal);
    if (first.type !== 'stream') {
      io.stderr.write(`functape replay: ${noWorkerReason(first, limit, rejected)}\n`);
      for (const line of worker?.tail() ?? []) io.stderr.write(`  [worker] ${line}\n`);
      return first.type === 'aborted' ? 130 : 3;
    }
    const appDirectory = args['app-dir'] !== undefined ? { appDirectory: resolve(args['app-dir']) } : {};
    const report = await replayHost({
      ...options,
      ...appDirectory,
      duplex: first.duplex,
      workerId,
      requestId,
    });
    if (worker) await settleWorker(worker, report, io);
    return report;
  } finally {
    worker?.kill('SIGKILL');
    await listener.close(500);
  }
}

/** Listens as the host on `address`; a failure is a CliError naming the address. */
async function listen(address: HostPort): Promise<HostListener> {
  const { listenAsHost } = await import('../wire/grpc-peer.js');
  try {
    return await listenAsHost(address);
  } catch (err) {
    throw new CliError(
      `cannot listen on ${formatHostPort(address)}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/** Starts the worker `command` with the host arguments, in --app-dir (its lines on stderr with --verbose). */
async function startWorker(
  command: string[],
  hostArgs: string[],
  args: Pick<ReplayArgs, 'app-dir' | 'verbose'>,
  io: CliIo,
): Promise<SpawnedWorker> {
  const [{ spawnWorker }, { resolve }] = await Promise.all([
    import('../peers/spawn-worker.js'),
    import('node:path'),
  ]);
  return spawnWorker(command, hostArgs, {
    cwd: resolve(args['app-dir'] ?? process.cwd()),
    ...(args.verbose ? { onLine: (line: string) => io.stderr.write(`[worker] ${line}\n`) } : {}),
  });
}

/**
 * Why no worker's stream came: the worker exited (and how), the start timeout passed (with
 * the last stream refused), or an interrupt.
 */
function noWorkerReason(
  first: Exclude<First, { type: 'stream' }>,
  limit: number,
  rejected: string[],
): string {
  if (first.type === 'exited') {
    const e = first.exit;
    return `the worker exited before connecting (${e.error ?? (e.signal ? `signal ${e.signal}` : `code ${e.code}`)})`;
  }
  if (first.type === 'timeout')
    return `no worker connected within ${limit} ms${rejected.length ? ` (${rejected[rejected.length - 1]})` : ''}`;
  return 'interrupted before a worker connected';
}

/** After the replay: give the worker 5 s to exit, and name its exit (and its last lines) when the stream broke. */
async function settleWorker(worker: SpawnedWorker, report: ReplayReport, io: CliIo): Promise<void> {
  const exit = await Promise.race([worker.exited, sleep(5000).then(() => undefined)]);
  const broke = report.faults?.injected.some((f) => f.fault === 'break');
  if (broke && report.faults) {
    const how = exit ? (exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`) : undefined;
    if (how) report.stream.detail = `${report.stream.detail}; the worker then exited with ${how}`;
    else report.faults.failure = 'the worker did not exit within 5 s after the stream broke';
  }
  if (!exit) worker.kill('SIGTERM');
  else if (report.stream.broken && (exit.code ?? 0) !== 0)
    report.stream.detail = `${report.stream.detail ?? 'stream broken'}; the worker exited with ${exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`}`;
  if (report.stream.broken) for (const line of worker.tail()) io.stderr.write(`  [worker] ${line}\n`);
}

/**
 * The stream of the worker we started: the first one whose first message is StartStream
 * with our worker id, as a real host checks it. Any other stream (a stray client, a worker
 * with the wrong id) is cancelled and reported; the first message is kept for the replay.
 */
function acceptWorker(
  listener: HostListener,
  workerId: string,
  reject: (why: string) => void,
): Promise<Duplex> {
  return new Promise((resolve) => {
    let accepted = false;
    listener.onStream((raw) => {
      void (async () => {
        const [{ readFirstMessage }, { describe }] = await Promise.all([
          import('../replay/first-message.js'),
          import('../codec/describe.js'),
        ]);
        const { first, duplex } = await readFirstMessage(raw, 30_000);
        const d = first ? describe(first) : undefined;
        if (!accepted && d?.kind === 'startStream' && d.workerId === workerId) {
          accepted = true;
          resolve(duplex);
          return;
        }
        raw.cancel({ code: 9, details: 'functape replay: unexpected stream' });
        if (accepted) reject('a second worker connected');
        else
          reject(
            d
              ? `it began with ${d.kind}${d.workerId !== undefined ? ` worker_id=${d.workerId}` : ''}, not StartStream worker_id=${workerId}`
              : 'it sent nothing',
          );
      })();
    });
  });
}

type First =
  | { type: 'stream'; duplex: Duplex }
  | { type: 'exited'; exit: WorkerExit }
  | { type: 'timeout' }
  | { type: 'aborted' };

async function firstOf(
  stream: Promise<Duplex>,
  exited: Promise<WorkerExit> | undefined,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<First> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const racers: Array<Promise<First>> = [stream.then((duplex) => ({ type: 'stream', duplex }) as First)];
  if (exited) racers.push(exited.then((exit) => ({ type: 'exited', exit }) as First));
  if (timeoutMs > 0)
    racers.push(new Promise((r) => (timer = setTimeout(() => r({ type: 'timeout' }), timeoutMs))));
  racers.push(
    new Promise((r) => {
      onAbort = () => r({ type: 'aborted' });
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    }),
  );
  try {
    return await Promise.race(racers);
  } finally {
    if (timer) clearTimeout(timer);
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
