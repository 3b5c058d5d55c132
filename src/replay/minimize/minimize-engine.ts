import type { ReplayReport } from '../../report/replay-report.js';
import type { MinimizeStop } from '../../report/minimize-report.js';
import type { ReplayFrame } from '../replay-frame.js';
import { createCandidateRunner, type CandidateRunner, type ReplayCandidate } from './candidate-runner.js';
import { createDdmin } from './ddmin.js';
import { withEmptyBody } from './empty-body.js';
import { failureSignature, showsFailure, type FailureTarget } from './failure-signature.js';
import { candidateFrames, extractUnits, type SessionUnits } from './units.js';

export interface MinimizeOptions {
  /** The recorded session, in seq order. */
  frames: readonly ReplayFrame[];
  /** Replays a candidate against a fresh worker, at the given pace or at `fast`. */
  replay: ReplayCandidate;
  /** `--until`; absent: the same failure as the original replay. */
  until?: FailureTarget;
  /** Replays of the original that must all fail alike before the search starts. */
  confirm: number;
  jobs: number;
  maxRuns?: number;
  timeMs?: number;
  /** The given pace is already `fast` (no pace reduction to try). */
  fastAlready: boolean;
  now?: () => number;
  signal?: AbortSignal;
  onProgress?: (p: { runs: number; unitsLeft: number; phase: string }) => void;
}

/** The best configuration so far: it fails, by the target. */
interface Best {
  kept: number[];
  fast: boolean;
  rewrite: Map<number, Uint8Array>;
  report: ReplayReport;
}

export type MinimizeOutcome =
  /** The original does not fail (as the target says) in any confirm run. */
  | { type: 'passes'; runs: number }
  /** It failed alike in only `failed` of `of` confirm runs. */
  | { type: 'flaky'; failed: number; of: number }
  | {
      type: 'done';
      units: SessionUnits;
      target: FailureTarget;
      frames: ReplayFrame[];
      kept: number[];
      fast: boolean;
      emptiedBodies: number;
      oneMinimal: boolean;
      stoppedBy?: MinimizeStop;
      runs: number;
      failure: ReplayReport;
    };

/**
 * Shrink a failing recording: confirm the failure, ddmin over its units, then try `fast`
 * pace and empty input bodies, then check that removing any single kept unit makes the
 * failure go away (1-minimal). Every candidate keeps the setup and the loads its
 * invocations need, so it is a causally valid recording.
 */
export async function minimizeRecording(o: MinimizeOptions): Promise<MinimizeOutcome> {
  const now = o.now ?? (() => performance.now());
  const units = extractUnits(o.frames);
  const fnName = (id: string) => units.functionName.get(id);
  const all = units.units.map((_, i) => i);
  const build = (b: Pick<Best, 'kept' | 'rewrite'>) => candidateFrames(o.frames, units, b.kept, b.rewrite);
  let target = o.until;
  let progressUnits = all.length;
  const runner = createCandidateRunner({
    replay: o.replay,
    fails: (r) => (target ? showsFailure(r, target, fnName) : false),
    jobs: o.jobs,
    ...(o.maxRuns !== undefined ? { maxRuns: o.maxRuns } : {}),
    ...(o.timeMs !== undefined ? { timeMs: o.timeMs } : {}),
    now,
    ...(o.signal ? { signal: o.signal } : {}),
    onRun: () => o.onProgress?.({ runs: runner.runs, unitsLeft: progressUnits, phase: 'shrinking' }),
  });
  const confirmed = await confirmOriginal(o, [...o.frames], fnName);
  if (confirmed.type !== 'confirmed') return confirmed;
  target = confirmed.target;
  const best: Best = { kept: all, fast: false, rewrite: new Map(), report: confirmed.report };
  const reduce = await ddminUnits(runner, best, build, (n) => (progressUnits = n));
  let stoppedBy = reduce ?? runner.stopped();
  if (!stoppedBy) stoppedBy = await refine(runner, best, build, units, o.fastAlready);
  const oneMinimal = !stoppedBy && (await checkOneMinimal(runner, best, build));
  stoppedBy ??= oneMinimal ? undefined : runner.stopped();
  return {
    type: 'done',
    units,
    target,
    frames: build(best),
    kept: best.kept,
    fast: best.fast,
    emptiedBodies: best.rewrite.size,
    oneMinimal,
    ...(stoppedBy ? { stoppedBy } : {}),
    runs: runner.runs + confirmed.runs,
    failure: best.report,
  };
}

/** Replay the original `confirm` times: every run must fail, and (by default) alike. */
async function confirmOriginal(
  o: MinimizeOptions,
  frames: ReplayFrame[],
  fnName: (id: string) => string | undefined,
): Promise<
  | { type: 'confirmed'; target: FailureTarget; report: ReplayReport; runs: number }
  | Exclude<MinimizeOutcome, { type: 'done' }>
> {
  const reports: ReplayReport[] = [];
  const lanes = Math.max(1, Math.min(o.jobs, o.confirm));
  let next = 0;
  const lane = async () => {
    while (next < o.confirm && !o.signal?.aborted) {
      next++;
      reports.push(await o.replay({ frames, fast: false }, o.signal ?? new AbortController().signal));
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  const firstFailing = reports.find((r) =>
    o.until ? showsFailure(r, o.until) : failureSignature(r, fnName),
  );
  if (!firstFailing) return { type: 'passes', runs: reports.length };
  const target: FailureTarget = o.until ?? {
    type: 'same',
    signature: failureSignature(firstFailing, fnName)!,
  };
  const failed = reports.filter((r) => showsFailure(r, target, fnName)).length;
  if (failed < o.confirm) return { type: 'flaky', failed, of: o.confirm };
  return { type: 'confirmed', target, report: firstFailing, runs: reports.length };
}

type Build = (b: Pick<Best, 'kept' | 'rewrite'>) => ReplayFrame[];

/** ddmin over the units; returns why it stopped early, if it did. Updates `best` as it goes. */
async function ddminUnits(
  runner: CandidateRunner,
  best: Best,
  build: Build,
  left: (n: number) => void,
): Promise<MinimizeStop | undefined> {
  const dd = createDdmin(best.kept);
  for (let batch = dd.batch(); batch; batch = dd.batch()) {
    const { found, complete } = await runner.first(
      batch.map((kept) => ({ frames: build({ ...best, kept }), fast: false })),
    );
    const stop = runner.stopped();
    if (!complete) return stop ?? 'interrupted';
    dd.answer(found?.index);
    if (found) {
      best.kept = batch[found.index]!;
      best.report = found.report;
      left(best.kept.length);
    }
    if (stop) return stop;
  }
  return undefined;
}

/** On what is left: does it still fail at `fast`, and without each invocation's input body? */
async function refine(
  runner: CandidateRunner,
  best: Best,
  build: Build,
  units: SessionUnits,
  fastAlready: boolean,
): Promise<MinimizeStop | undefined> {
  if (!fastAlready) {
    const { found } = await runner.first([{ frames: build(best), fast: true }]);
    if (found) Object.assign(best, { fast: true, report: found.report });
  }
  for (const i of best.kept) {
    const stop = runner.stopped();
    if (stop) return stop;
    const unit = units.units[i]!;
    if (unit.kind !== 'invocation') continue;
    const seq = unit.seqs[0]!;
    const bytes = withEmptyBody(build(best).find((f) => f.seq === seq)!.bytes);
    if (!bytes) continue;
    const rewrite = new Map(best.rewrite).set(seq, bytes);
    const { found } = await runner.first([{ frames: build({ kept: best.kept, rewrite }), fast: best.fast }]);
    if (found) Object.assign(best, { rewrite, report: found.report });
  }
  return runner.stopped();
}

/**
 * Replay the result without each single kept unit; while one of those still fails,
 * take it and check again. True when every removal made the failure go away.
 */
async function checkOneMinimal(runner: CandidateRunner, best: Best, build: Build): Promise<boolean> {
  for (;;) {
    if (best.kept.length === 0) return true;
    const batch = best.kept.map((u) => best.kept.filter((k) => k !== u));
    const { found, complete } = await runner.first(
      batch.map((kept) => ({ frames: build({ ...best, kept }), fast: best.fast })),
    );
    if (!complete) return false;
    if (!found) return true;
    best.kept = batch[found.index]!;
    best.report = found.report;
  }
}
