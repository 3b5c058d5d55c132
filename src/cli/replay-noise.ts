import type { ReplayReport } from '../report/replay-report.js';
import type { CliIo } from './command.js';
import type { ReplayArgs, ReplaySettings } from './replay-flags.js';
import type { HostCommon } from './replay-host-cli.js';

/**
 * Learning runs start at least this far apart, so that values with a resolution of a
 * second (an HTTP `date` header, a timestamp in seconds) differ between them: two fast runs
 * within one second would agree on such a field and leave it to fail the replay proper.
 */
const LEARNING_GAP_MS = 1_100;

/**
 * `replay host` with its ignores accounted for: with `--learn-noise N`, N live runs first
 * (no faults, nothing recorded), the fields that differ between them learned as noise
 * (written by `--save-noise`), then the replay proper with those ignored too. The report
 * says which ignores were learned and which were given. A learning run that breaks or is
 * interrupted stops here with its exit code (3, 130): nothing could be learned from it.
 * Runs start LEARNING_GAP_MS apart at least, and the replay proper as long after the last.
 */
export async function replayHostWithNoise(
  args: ReplayArgs,
  settings: ReplaySettings,
  io: CliIo,
  options: HostCommon,
): Promise<ReplayReport | number> {
  const [{ replayHostCli }, { learnNoise, formatIgnoreFile }, { writePrivateFile }] = await Promise.all([
    import('./replay-host-cli.js'),
    import('../replay/learn-noise.js'),
    import('./private-file.js'),
  ]);
  const given = settings.ignore;
  const runs: ReplayReport[] = [];
  const { onTraffic: _record, faults: _faults, seed: _seed, ...plain } = options;
  let lastStart = Number.NEGATIVE_INFINITY;
  const spaced = async () => {
    await pause(lastStart + LEARNING_GAP_MS - performance.now(), io.signal);
    lastStart = performance.now();
  };
  for (let i = 1; i <= settings.learnNoise; i++) {
    await spaced();
    const r = await replayHostCli(args, settings, io, plain);
    if (typeof r === 'number') return r;
    if (r.interrupted) return 130;
    if (r.stream.broken) {
      io.stderr.write(
        `functape replay: learning run ${i} of ${settings.learnNoise}: stream broken: ${r.stream.detail}\n`,
      );
      return 3;
    }
    runs.push(r);
  }
  const learned = learnNoise(runs);
  if (args['save-noise'])
    writePrivateFile(
      args['save-noise'],
      formatIgnoreFile(
        learned,
        `noise learned by functape replay --learn-noise ${runs.length} from ${args.db}`,
      ),
      'replay',
      io,
    );
  if (runs.length > 0) await spaced();
  const report = await replayHostCli(args, settings, io, {
    ...options,
    ignore: [...given, ...learned.map((n) => n.path)],
  });
  if (typeof report === 'object' && (runs.length > 0 || given.length > 0))
    report.noise = { runs: runs.length, learned, given };
  return report;
}

/** Wait `ms` (nothing when ≤ 0), or until `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
