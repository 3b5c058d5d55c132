import type { RedactRules } from '../codec/redact.js';
import type { StoredFrame } from '../model/frame.js';
import type { ReplayReport } from '../report/replay-report.js';
import { CliError, defineCommand, type CliIo } from './command.js';
import { viaFleetCache } from './fleet-cache.js';
import { hostConnection } from './host-arg-flags.js';
import { replayFlags, resolveReplayFlags, type ReplayArgs } from './replay-flags.js';

export const replayCommand = defineCommand({
  command: 'replay <side>',
  describe:
    'Re-drive one side of a recorded session and diff the answers field by field: ' +
    '`replay host` plays the host toward a real worker (--worker CMD | --listen HOST:PORT), ' +
    '`replay worker` plays the worker toward a real host (started with the host arguments). ' +
    'Exit 0 all matched, 1 differences, 2 usage or input error, 3 the peer could not start or broke the stream',
  builder: replayFlags,
  run: async (args, io) => viaFleetCache(args, io, runReplay),
});

/** One replay of a recording file (a fleet URL has been pulled into a local cache by then). */
async function runReplay(args: ReplayArgs, io: CliIo, source: string): Promise<number> {
  const settings = await resolveReplayFlags(args, io);
  const { frames, sessionId, label } = await loadReplaySession(args.db, settings.session, args.side);
  const { pace, ignore, redact } = settings;
  const common = {
    frames,
    pace,
    ignore,
    defaultIgnores: args['default-ignores'],
    redact,
    session: { id: sessionId, ...(label ? { label } : {}) },
    signal: io.signal,
  };
  const recorder = args.record
    ? await openReplayRecorder(
        args.record,
        `replay ${args.side} of ${source} session ${sessionId}`,
        redact,
        io,
      )
    : undefined;
  let report: ReplayReport | number | undefined;
  try {
    if (args.side === 'host') {
      const { replayHostWithNoise } = await import('./replay-noise.js');
      const { answerTimeoutMs, maxInFlight, hostFaults, seed, inOrder } = settings;
      report = await replayHostWithNoise(args, settings, io, {
        ...common,
        answerTimeoutMs,
        inOrder,
        ...(hostFaults.length > 0 ? { faults: hostFaults, seed } : {}),
        ...(maxInFlight !== undefined ? { maxInFlight } : {}),
        onTraffic: recorder?.onTraffic,
      });
    } else {
      const { workerFaults, seed } = settings;
      const faults = workerFaults.length > 0 ? { faults: workerFaults, seed } : {};
      report = await replayWorkerCli(args, { ...common, ...faults, onTraffic: recorder?.onTraffic });
    }
  } finally {
    recorder?.close(typeof report === 'object' ? report : undefined);
  }
  return typeof report === 'number' ? report : writeOutputs(report, args, io);
}

/** Read one session's frames; every problem with the file or the session is a one-line exit 2. */
async function loadReplaySession(
  db: string,
  wanted: number | undefined,
  side: 'host' | 'worker',
): Promise<{ frames: StoredFrame[]; sessionId: number; label?: string }> {
  const { readSessionFrames } = await import('./session-frames.js');
  const { session, frames } = await readSessionFrames(db, wanted, 'only');
  const where = `session ${session.id} of ${db}`;
  if (frames.length === 0) throw new CliError(`${where} is empty: it recorded no messages`);
  if (!frames.some((f) => f.direction === 'toWorker'))
    throw new CliError(`${where} has no host→worker messages: nothing to replay`);
  if (side === 'worker' && frames.every((f) => f.direction === 'toWorker'))
    throw new CliError(`${where} has no worker→host messages: nothing to answer with`);
  if (frames.every((f) => f.kind === 'unknown' || f.kind === 'empty'))
    throw new CliError(`${where} holds no decodable StreamingMessage`);
  return { frames, sessionId: session.id, ...(session.label ? { label: session.label } : {}) };
}

/** `--record OUT.db`: the replayed traffic as one new session, redacted as `record` would store it. */
async function openReplayRecorder(path: string, label: string, redact: RedactRules | false, io: CliIo) {
  const [
    { createRecordingWriter, RecordingError },
    { createReplayRecorder },
    { FUNCTAPE_VERSION },
    { warnIfShared },
  ] = await Promise.all([
    import('../recording/index.js'),
    import('../replay/replay-recorder.js'),
    import('../version.js'),
    import('./private-file.js'),
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

type WorkerCommon = Omit<
  import('../replay/replay-worker.js').ReplayWorkerOptions,
  'duplex' | 'workerId' | 'requestId'
>;

/** `replay worker`: dial the host its arguments name and answer as the recorded worker did. */
async function replayWorkerCli(args: ReplayArgs, options: WorkerCommon): Promise<ReplayReport> {
  const [{ dialAsWorker }, { replayWorker }, { formatHostPort }] = await Promise.all([
    import('../wire/grpc-peer.js'),
    import('../replay/replay-worker.js'),
    import('../model/host-address.js'),
  ]);
  const host = hostConnection(args, args._.slice(2), 'replay worker');
  const duplex = dialAsWorker({ address: formatHostPort(host), maxMessageBytes: host.maxMessageLength });
  return replayWorker({ ...options, duplex, workerId: host.workerId, requestId: host.requestId });
}

async function writeOutputs(report: ReplayReport, args: ReplayArgs, io: CliIo): Promise<number> {
  const [
    { formatReplayText },
    { formatReplayJson },
    { formatReplayJunit },
    { replayExitCode },
    { writePrivateFile },
  ] = await Promise.all([
    import('../report/replay-text.js'),
    import('../report/replay-json.js'),
    import('../report/replay-junit.js'),
    import('../report/replay-report.js'),
    import('./private-file.js'),
  ]);
  io.stdout.write(
    formatReplayText(report, {
      color: Boolean(io.stdout.isTTY) && !process.env.NO_COLOR,
      verbose: args.verbose,
    }),
  );
  if (args.report) writePrivateFile(args.report, formatReplayJson(report), 'replay', io);
  if (args.junit) writePrivateFile(args.junit, formatReplayJunit(report), 'replay', io);
  // Interrupted (Ctrl-C): the report says so and gives no verdict (130), as the exit code does.
  return replayExitCode(report);
}
