import { statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import {
  conformExitCode,
  summarize,
  type ConformReport,
  type ConformResult,
} from '../report/conform-report.js';
import { formatConformJunit } from '../report/conform-junit.js';
import { formatConformTable } from '../report/conform-text.js';
import { shellSplit } from '../peers/shell-split.js';
import { scenarioInfo, type ConformContext, type Scenario } from '../replay/conform/index.js';
import { CliError, usageError, type CliIo } from './command.js';
import type { ConformArgs } from './conform.js';
import { numberFlag } from './flag-values.js';
import { readSample } from './conform-sample.js';
import { runScenario, type RunFrame, type ScenarioRun } from './conform-run.js';
import { makeDirectory } from './make-directory.js';
import { checkOutputPath } from './output-path.js';

/**
 * Run the selected scenarios, `jobs` at once, each on a fresh worker; then print the table
 * and write the JSON/JUnit files. The first scenario runs alone: when its worker never opens
 * a stream, the worker cannot start at all (exit 3) and the rest are skipped, not each
 * waited for.
 */
export async function runConform(args: ConformArgs, selected: Scenario[], io: CliIo): Promise<number> {
  const { appDirectory, jobs, limitMs } = runSettings(args);
  const command = usageError(() => shellSplit(args.worker!), '--worker');
  if (command.length === 0) throw new CliError('--worker is empty');
  for (const [flag, path] of [
    ['--json', args.json],
    ['--junit', args.junit],
  ] as const) {
    if (path === '-') throw new CliError(`${flag} needs a file name (the table is what goes to stdout)`);
    checkOutputPath(flag, path);
  }
  if (args['record-failures']) makeDirectory(args['record-failures']);
  const context: Omit<ConformContext, 'workerId' | 'requestId' | 'appDirectory' | 'newGuid'> = {
    ...(args.function ? { target: args.function } : {}),
    ...(args.from && args.function ? await readSample(args.from, args.function) : {}),
  };
  const one = (scenario: Scenario) =>
    runScenario({
      scenario,
      info: scenarioInfo(scenario),
      command,
      appDirectory,
      context,
      limitMs,
      signal: io.signal,
    });
  const runs: (ScenarioRun | undefined)[] = new Array(selected.length);
  runs[0] = await one(selected[0]!);
  const cannotStart = runs[0].result.connected ? undefined : runs[0].result.reason;
  if (!cannotStart)
    await pool(selected.length - 1, jobs, async (i) => (runs[i + 1] = await one(selected[i + 1]!)));
  const results: ConformResult[] = selected.map(
    (s, i) =>
      runs[i]?.result ?? {
        scenario: scenarioInfo(s),
        status: 'skipped',
        reason: 'the worker cannot start',
        durationMs: 0,
        connected: false,
      },
  );
  if (args['record-failures'])
    for (const [i, r] of runs.entries())
      if (r?.result.status === 'fail')
        r.result.recording = await recordFailure(args['record-failures'], selected[i]!, r.frames);
  const report: ConformReport = summarize({
    worker: args.worker!,
    appDirectory,
    capabilities: runs.find((r) => r?.capabilities)?.capabilities ?? [],
    results,
    ...(cannotStart ? { cannotStart } : {}),
  });
  io.stdout.write(formatConformTable(report));
  if (args.json) writeFileSync(args.json, `${JSON.stringify(report, null, 2)}\n`);
  if (args.junit) writeFileSync(args.junit, formatConformJunit(report));
  return conformExitCode(report);
}

/** A scenario taking longer than this is stuck (its own waits are far shorter). */
const SCENARIO_LIMIT_MS = 60_000;

/** The run's flags checked and resolved: the app directory, how many scenarios at once. */
function runSettings(args: ConformArgs) {
  const appDirectory = resolve(args['app-dir'] ?? process.cwd());
  if (!statSync(appDirectory, { throwIfNoEntry: false })?.isDirectory())
    throw new CliError(`--app-dir ${args['app-dir']} is not a directory`);
  const jobs =
    args.jobs === undefined
      ? Math.max(1, availableParallelism())
      : numberFlag('jobs', args.jobs, { integer: true, min: 1, max: 64 });
  return { appDirectory, jobs, limitMs: SCENARIO_LIMIT_MS };
}

/** Run `task(0..n-1)`, at most `width` at once. */
async function pool(n: number, width: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < n) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(width, n) }, lane));
}

/** DIR/ID.db: the failed run as one session, as `replay host` and `minimize` read recordings. */
async function recordFailure(dir: string, scenario: Scenario, frames: RunFrame[]): Promise<string> {
  const [{ createRecordingWriter }, { createReplayRecorder }, { FUNCTAPE_VERSION }] = await Promise.all([
    import('../recording/index.js'),
    import('../replay/replay-recorder.js'),
    import('../version.js'),
  ]);
  const path = join(dir, `${scenario.id}.db`);
  const w = createRecordingWriter(path, { redact: false });
  let at = 0;
  let sessionId = w.allocateSessionId();
  const recorder = createReplayRecorder({
    sessionId,
    label: `conform ${scenario.id}`,
    functapeVersion: FUNCTAPE_VERSION,
    now: () => at,
    sink: (e) => {
      if (e.type === 'session-start') sessionId = w.addSession(e.session);
      else if (e.type === 'frame') w.addFrame({ ...e.frame, sessionId });
      else w.endSession({ ...e.end, id: sessionId });
    },
  });
  for (const f of frames) {
    at = f.atMs;
    recorder.frame(f.direction, f.bytes);
  }
  recorder.end(null, 'completed');
  w.close();
  return path;
}
