import type { RedactRules } from '../codec/redact.js';
import type { Duplex } from '../model/duplex.js';
import type { StoredFrame } from '../model/frame.js';
import type { ReplayReport } from '../report/replay-report.js';
import { CliError, defineCommand, type CliIo } from './command.js';
import { allowRemoteFlag, type AllowRemoteFlag, type HostPort } from './listen-address.js';
import { redactFlags, resolveRedactFlags, type RedactFlags } from './redact-flags.js';
import { durationFlag, optionalNumberFlag, sessionFlag } from './flag-values.js';

/** The host connection flags a host appends to a worker's command line (`replay worker`). */
const HOST_FLAGS = [
  'host', 'port', 'workerId', 'requestId', 'grpcMaxMessageLength',
  'functions-uri', 'functions-worker-id', 'functions-request-id', 'functions-grpc-max-message-length',
] as const;

interface ReplayArgs extends RedactFlags, AllowRemoteFlag {
  side: 'host' | 'worker';
  db: string;
  /** Numbers as typed: cli/flag-values reads them. */
  session?: string;
  worker?: string;
  listen?: string;
  pace: string;
  ignore?: string[];
  'default-ignores': boolean;
  'answer-timeout': string;
  'max-in-flight'?: string;
  'start-timeout': string;
  report?: string;
  junit?: string;
  record?: string;
  'app-dir'?: string;
  verbose: boolean;
  _: Array<string | number>;
  [flag: string]: unknown;
}

export const replayCommand = defineCommand<ReplayArgs>({
  command: 'replay <side>',
  describe: 'Re-drive one side of a recorded session and diff the answers field by field: '
    + '`replay host` plays the host toward a real worker (--worker CMD | --listen HOST:PORT), '
    + '`replay worker` plays the worker toward a real host (started with the host arguments). '
    + 'Exit 0 all matched, 1 differences, 2 usage or input error, 3 the peer could not start or broke the stream',
  builder: (y) => {
    let b = allowRemoteFlag(redactFlags(y))
      .positional('side', { choices: ['host', 'worker'] as const, describe: 'which side functape plays' })
      .option('db', { type: 'string', demandOption: true, describe: 'the recording (SQLite, as written by record/wrap/import)' })
      .option('session', { type: 'string', describe: 'session id to replay (default: the only session in the file)' })
      .option('worker', { type: 'string', describe: 'host: the worker command line to start (host arguments are appended)' })
      .option('listen', { type: 'string', describe: 'host: listen on HOST:PORT and wait for a worker started by hand (prints its host arguments)' })
      .option('pace', { type: 'string', default: 'recorded', describe: 'recorded (keep recorded delays after each causal release), fast (none) or <N>x (scaled)' })
      .option('ignore', { type: 'string', array: true, describe: 'a proto3 JSON field path left out of the diff, * and ** wildcards (repeatable), e.g. invocationResponse.returnValue.http.headers.date' })
      .option('default-ignores', { type: 'boolean', default: true, describe: 'also ignore what changes between runs (worker version/runtime metadata, stack traces); --no-default-ignores compares them' })
      .option('max-in-flight', { type: 'string', describe: "host: most invocations in flight at once (default: the recording's peak; 0 = no limit)" })
      .option('answer-timeout', { type: 'string', default: '10s', describe: 'host: how long an answer may take before it counts as missing' })
      .option('start-timeout', { type: 'string', default: '30s', describe: 'host: how long the worker may take to connect (0 = no limit, the default with --listen)' })
      .option('report', { type: 'string', describe: 'write the report as JSON to this file' })
      .option('junit', { type: 'string', describe: 'write a JUnit XML file (one test case per answer) for CI dashboards' })
      .option('record', { type: 'string', describe: 'record the replayed session itself into this SQLite file' })
      .option('app-dir', { type: 'string', describe: "host: the live function app directory: the worker's working directory, and sent in place of the recorded one (default: current directory, recorded paths kept)" })
      .option('verbose', { type: 'boolean', default: false, describe: "list matched answers too, and copy the worker's output to stderr" });
    for (const flag of HOST_FLAGS) b = b.option(flag, { type: 'string', hidden: true });
    return b as never;
  },
  run: async (args, io) => {
    const [{ parsePace }, { compileIgnores }] = await Promise.all([import('../replay/pace.js'), import('../replay/ignore-paths.js')]);
    const pace = wrapUsage(() => parsePace(args.pace), '--pace');
    const ignore = (args.ignore ?? []).map(String);
    wrapUsage(() => compileIgnores(ignore), '--ignore');
    const answerTimeoutMs = durationFlag('answer-timeout', args['answer-timeout']);
    const startTimeoutMs = durationFlag('start-timeout', args['start-timeout'], { zero: 'allowed' });
    const maxInFlight = optionalNumberFlag('max-in-flight', args['max-in-flight'], { integer: true, min: 0 });
    const session = sessionFlag(args.session);
    if (args.side === 'host' && (args.worker === undefined) === (args.listen === undefined))
      throw new CliError('replay host needs exactly one of --worker "CMD" or --listen HOST:PORT');
    if (args.side === 'worker' && (args.worker !== undefined || args.listen !== undefined))
      throw new CliError('replay worker takes the host arguments, not --worker/--listen');
    const { listenAddress } = await import('./listen-address.js');
    const listen = args.listen !== undefined ? listenAddress(args.listen, args['allow-remote'], 'replay', io) : undefined;
    const appDir = args['app-dir'];
    if (args.side === 'host' && appDir !== undefined) {
      const { statSync } = await import('node:fs');
      if (!statSync(appDir, { throwIfNoEntry: false })?.isDirectory()) throw new CliError(`--app-dir ${appDir} is not a directory`);
    }
    // Output paths are checked now: a typo should not cost a whole replay.
    const { checkOutputPath } = await import('./output-path.js');
    checkOutputPath('--report', args.report);
    checkOutputPath('--junit', args.junit);
    const redact = await resolveRedactFlags(args);
    if (redact === false) io.stderr.write('functape replay: warning: --redact off: secrets in live messages are compared, printed and written as they are\n');
    const { frames, sessionId, label } = await loadSession(args.db, session, args.side);
    const common = { frames, pace, ignore, defaultIgnores: args['default-ignores'], redact, session: { id: sessionId, ...(label ? { label } : {}) }, signal: io.signal };
    const recorder = args.record ? await openReplayRecorder(args.record, `replay ${args.side} of ${args.db} session ${sessionId}`, redact, io) : undefined;
    let report: ReplayReport | number | undefined;
    try {
      report = args.side === 'host'
        ? await replayHostCli(args, listen, io, { ...common, answerTimeoutMs, ...(maxInFlight !== undefined ? { maxInFlight } : {}), onTraffic: recorder?.onTraffic }, startTimeoutMs)
        : await replayWorkerCli(args, io, { ...common, onTraffic: recorder?.onTraffic });
    } finally {
      recorder?.close(typeof report === 'object' ? report : undefined);
    }
    return typeof report === 'number' ? report : writeOutputs(report, args, io);
  },
});

function wrapUsage<T>(fn: () => T, flag: string): T {
  try {
    return fn();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new CliError(message.startsWith(flag) ? message : `${flag}: ${message}`);
  }
}

/** Read one session's frames; every problem with the file or the session is a one-line exit 2. */
async function loadSession(db: string, wanted: number | undefined, side: 'host' | 'worker'): Promise<{ frames: StoredFrame[]; sessionId: number; label?: string }> {
  const { openRecording } = await import('../recording/index.js');
  const rec = openRecording(db); // a RecordingError is a one-line exit 2 (cli/main)
  try {
    const sessions = rec.sessions();
    if (sessions.length === 0) throw new CliError(`${db} is an empty recording: it holds no sessions`);
    let session;
    if (wanted !== undefined) {
      session = rec.session(wanted);
      if (!session) throw new CliError(`${db} has no session ${wanted} (sessions: ${sessions.map((s) => s.id).join(', ')})`);
    } else if (sessions.length === 1) session = sessions[0]!;
    else throw new CliError(`${db} holds ${sessions.length} sessions (${sessions.map((s) => s.id).join(', ')}): pick one with --session`);
    const frames = [...rec.frames(session.id)];
    if (frames.length === 0) throw new CliError(`session ${session.id} of ${db} is empty: it recorded no messages`);
    const hostMessages = frames.filter((f) => f.direction === 'toWorker').length;
    if (hostMessages === 0) throw new CliError(`session ${session.id} of ${db} has no host→worker messages: nothing to replay`);
    if (side === 'worker' && frames.every((f) => f.direction === 'toWorker'))
      throw new CliError(`session ${session.id} of ${db} has no worker→host messages: nothing to answer with`);
    const undecodable = frames.filter((f) => f.kind === 'unknown' || f.kind === 'empty').length;
    if (undecodable === frames.length) throw new CliError(`session ${session.id} of ${db} holds no decodable StreamingMessage`);
    return { frames, sessionId: session.id, ...(session.label ? { label: session.label } : {}) };
  } finally {
    rec.close();
  }
}

/** `--record OUT.db`: the replayed traffic as one new session, redacted as `record` would store it. */
async function openReplayRecorder(path: string, label: string, redact: RedactRules | false, io: CliIo) {
  const [{ createRecordingWriter, RecordingError }, { createReplayRecorder }, { FUNCTAPE_VERSION }, { warnIfShared }] = await Promise.all([
    import('../recording/index.js'), import('../replay/replay-recorder.js'), import('../version.js'), import('./private-file.js'),
  ]);
  let writer: ReturnType<typeof createRecordingWriter>;
  try {
    writer = createRecordingWriter(path, { redact });
  } catch (err) {
    if (err instanceof RecordingError) throw new CliError(`--record: ${err.message}`);
    throw err;
  }
  warnIfShared(path, 'replay', io);
  const w = writer;
  let sessionId = w.allocateSessionId();
  const recorder = createReplayRecorder({
    sessionId,
    label,
    functapeVersion: FUNCTAPE_VERSION,
    sink: (e) => {
      if (e.type === 'session-start') sessionId = w.addSession(e.session);
      else if (e.type === 'frame') w.addFrame({ ...e.frame, sessionId });
      else w.endSession({ ...e.end, id: sessionId });
    },
  });
  return {
    onTraffic: (direction: 'toHost' | 'toWorker', bytes: Uint8Array) => recorder.frame(direction, bytes),
    close(report: ReplayReport | undefined) {
      const broken = report?.stream.broken ?? true;
      recorder.end(report?.stream.status ?? null, broken ? 'worker-gone' : 'completed');
      w.close();
    },
  };
}

type HostCommon = Omit<import('../replay/replay-host.js').ReplayHostOptions, 'duplex' | 'workerId' | 'requestId'>;

async function replayHostCli(
  args: ReplayArgs, listen: HostPort | undefined, io: CliIo, options: HostCommon, startTimeoutMs: number,
): Promise<ReplayReport | number> {
  const [{ listenAsHost }, { buildHostArgs }, { spawnWorker }, { shellSplit }, { replayHost }, { randomUUID }, { resolve }, { formatHostPort }] = await Promise.all([
    import('../wire/grpc-peer.js'), import('../peers/host-args.js'), import('../peers/spawn-worker.js'), import('../peers/shell-split.js'),
    import('../replay/replay-host.js'), import('node:crypto'), import('node:path'), import('./listen-address.js'),
  ]);
  let command: string[] = [];
  if (args.worker !== undefined) {
    command = wrapUsage(() => shellSplit(args.worker!), '--worker');
    if (command.length === 0) throw new CliError('--worker is empty');
  }
  const address = listen ?? { host: '127.0.0.1', port: 0 };
  let listener;
  try {
    listener = await listenAsHost(address);
  } catch (err) {
    throw new CliError(`cannot listen on ${formatHostPort(address)}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const workerId = randomUUID();
  const requestId = randomUUID();
  const hostArgs = buildHostArgs({ host: address.host, port: listener.port, workerId, requestId, maxMessageLength: 2147483647 });
  const rejected: string[] = [];
  const stream = acceptWorker(listener, workerId, (why) => {
    rejected.push(why);
    io.stderr.write(`functape replay: ignoring a stream: ${why}\n`);
  });
  let worker: import('../peers/spawn-worker.js').SpawnedWorker | undefined;
  try {
    if (args.worker !== undefined) {
      worker = spawnWorker(command, hostArgs, {
        cwd: resolve(args['app-dir'] ?? process.cwd()),
        ...(args.verbose ? { onLine: (line: string) => io.stderr.write(`[worker] ${line}\n`) } : {}),
      });
    } else {
      io.stderr.write(`functape replay: listening on ${formatHostPort({ host: address.host, port: listener.port })}; start the worker with these host arguments:\n  ${hostArgs.join(' ')}\n`);
    }
    const limit = args.listen !== undefined && args['start-timeout'] === '30s' ? 0 : startTimeoutMs;
    const first = await firstOf(stream, worker?.exited, limit, io.signal);
    if (first.type !== 'stream') {
      const why = first.type === 'exited'
        ? `the worker exited before connecting (${first.exit.error ?? (first.exit.signal ? `signal ${first.exit.signal}` : `code ${first.exit.code}`)})`
        : first.type === 'timeout' ? `no worker connected within ${limit} ms${rejected.length ? ` (${rejected[rejected.length - 1]})` : ''}` : 'interrupted before a worker connected';
      io.stderr.write(`functape replay: ${why}\n`);
      for (const line of worker?.tail() ?? []) io.stderr.write(`  [worker] ${line}\n`);
      return first.type === 'aborted' ? 130 : 3;
    }
    const appDirectory = args['app-dir'] !== undefined ? { appDirectory: resolve(args['app-dir']) } : {};
    const report = await replayHost({ ...options, ...appDirectory, duplex: first.duplex, workerId, requestId });
    if (worker) {
      const exit = await Promise.race([worker.exited, sleep(5000).then(() => undefined)]);
      if (!exit) worker.kill('SIGTERM');
      else if (report.stream.broken && (exit.code ?? 0) !== 0) report.stream.detail = `${report.stream.detail ?? 'stream broken'}; the worker exited with ${exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`}`;
      if (report.stream.broken) for (const line of worker.tail()) io.stderr.write(`  [worker] ${line}\n`);
    }
    return report;
  } finally {
    worker?.kill('SIGKILL');
    await listener.close(500);
  }
}

/**
 * The stream of the worker we started: the first one whose first message is StartStream
 * with our worker id, as a real host checks it. Any other stream (a stray client, a worker
 * with the wrong id) is cancelled and reported; the first message is kept for the replay.
 */
function acceptWorker(listener: import('../wire/grpc-peer.js').HostListener, workerId: string, reject: (why: string) => void): Promise<Duplex> {
  return new Promise((resolve) => {
    let accepted = false;
    listener.onStream((raw) => {
      void (async () => {
        const [{ readFirstMessage }, { describe }] = await Promise.all([import('../replay/first-message.js'), import('../codec/describe.js')]);
        const { first, duplex } = await readFirstMessage(raw, 30_000);
        const d = first ? describe(first) : undefined;
        if (!accepted && d?.kind === 'startStream' && d.workerId === workerId) {
          accepted = true;
          resolve(duplex);
          return;
        }
        raw.cancel({ code: 9, details: 'functape replay: unexpected stream' });
        if (accepted) reject('a second worker connected');
        else reject(d ? `it began with ${d.kind}${d.workerId !== undefined ? ` worker_id=${d.workerId}` : ''}, not StartStream worker_id=${workerId}` : 'it sent nothing');
      })();
    });
  });
}

type WorkerCommon = Omit<import('../replay/replay-worker.js').ReplayWorkerOptions, 'duplex' | 'workerId' | 'requestId'>;

async function replayWorkerCli(args: ReplayArgs, _io: CliIo, options: WorkerCommon): Promise<ReplayReport> {
  const [{ parseHostArgs }, { dialAsWorker }, { replayWorker }] = await Promise.all([
    import('../peers/host-args.js'), import('../wire/grpc-peer.js'), import('../replay/replay-worker.js'),
  ]);
  const argv: string[] = [];
  for (const flag of HOST_FLAGS) {
    const v = args[flag];
    if (v === undefined) continue;
    argv.push(`--${flag}`, String(Array.isArray(v) ? v[v.length - 1] : v));
  }
  argv.push(...args._.slice(2).map(String));
  const parsed = parseHostArgs(argv);
  if (!parsed.ok) throw new CliError(`replay worker: ${parsed.error}`);
  const host = parsed.args;
  const address = `${host.host.includes(':') ? `[${host.host}]` : host.host}:${host.port}`;
  const duplex = dialAsWorker({ address, maxMessageBytes: host.maxMessageLength ?? 2147483647 });
  return replayWorker({ ...options, duplex, workerId: host.workerId, requestId: host.requestId });
}

type First =
  | { type: 'stream'; duplex: Duplex }
  | { type: 'exited'; exit: import('../peers/spawn-worker.js').WorkerExit }
  | { type: 'timeout' }
  | { type: 'aborted' };

async function firstOf(
  stream: Promise<Duplex>,
  exited: Promise<import('../peers/spawn-worker.js').WorkerExit> | undefined,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<First> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const racers: Array<Promise<First>> = [stream.then((duplex) => ({ type: 'stream', duplex }) as First)];
  if (exited) racers.push(exited.then((exit) => ({ type: 'exited', exit }) as First));
  if (timeoutMs > 0) racers.push(new Promise((r) => (timer = setTimeout(() => r({ type: 'timeout' }), timeoutMs))));
  racers.push(new Promise((r) => {
    onAbort = () => r({ type: 'aborted' });
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  }));
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

async function writeOutputs(report: ReplayReport, args: ReplayArgs, io: CliIo): Promise<number> {
  const [{ formatReplayText }, { formatReplayJson }, { formatReplayJunit }, { replayExitCode }, { writePrivateFile }] = await Promise.all([
    import('../report/replay-text.js'), import('../report/replay-json.js'), import('../report/replay-junit.js'), import('../report/replay-report.js'),
    import('./private-file.js'),
  ]);
  io.stdout.write(formatReplayText(report, { color: Boolean(io.stdout.isTTY) && !process.env.NO_COLOR, verbose: args.verbose }));
  if (args.report) writePrivateFile(args.report, formatReplayJson(report), 'replay', io);
  if (args.junit) writePrivateFile(args.junit, formatReplayJunit(report), 'replay', io);
  // Interrupted (Ctrl-C): the report says so and gives no verdict (130), as the exit code does.
  return replayExitCode(report);
}
