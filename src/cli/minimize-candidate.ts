import { Writable } from 'node:stream';
import type { HostCommon } from './replay-host-cli.js';
import type { ReplayCandidate } from '../replay/minimize/candidate-runner.js';
import type { ReplayReport } from '../report/replay-report.js';
import type { Pace } from '../replay/pace.js';

export interface CandidateReplaySettings {
  worker: string;
  appDir?: string;
  startTimeoutMs: number;
  /** The pace a candidate is replayed at unless it asks for `fast`. */
  pace: Pace;
  /** Everything else every candidate replay gets (ignores, answer timeout, in-flight limit...). */
  common: Omit<HostCommon, 'frames' | 'pace' | 'signal'>;
}

/**
 * One candidate replay as `replay host --worker CMD` runs it: its own listener, its own
 * worker process and stream, killed after the replay (a hung worker's answers go missing
 * after the answer timeout, then it is killed). Output of the replay machinery is muted.
 * A worker that never connects is a broken stream (exit 3 in `replay host`).
 */
export function candidateReplay(s: CandidateReplaySettings): ReplayCandidate {
  return async (candidate, signal) => {
    const { replayHostCli } = await import('./replay-host-cli.js');
    const mute = new Writable({ write: (_c, _e, done) => done() });
    const io = { stdout: mute, stderr: mute, signal };
    const started = Date.now();
    const result = await replayHostCli(
      { worker: s.worker, 'app-dir': s.appDir, verbose: false },
      { startTimeoutMs: s.startTimeoutMs },
      io,
      { ...s.common, frames: candidate.frames, pace: candidate.fast ? 'fast' : s.pace, signal },
    );
    return typeof result === 'number' ? noWorker(result, started) : result;
  };
}

function noWorker(code: number, started: number): ReplayReport {
  return {
    played: 'host',
    session: {},
    pace: '',
    startedAtMs: started,
    durationMs: Date.now() - started,
    sent: 0,
    outcomes: [],
    counts: { matched: 0, differed: 0, missing: 0, extra: 0, skipped: 0 },
    stream: { broken: true, detail: 'the worker never connected' },
    ...(code === 130 ? { interrupted: true } : {}),
  };
}
