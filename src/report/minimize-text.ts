import { formatReplayJson } from './replay-json.js';
import { replaysPerSecond, type MinimizeReport } from './minimize-report.js';
import { formatReplayText } from './replay-text.js';

const STOP_WORDS = { 'max-runs': '--max-runs reached', time: '--time reached', interrupted: 'interrupted' };

/**
 * The minimize summary as text: where the result went, units and messages before → after,
 * runs and time, whether it is 1-minimal, the kept units, then the remaining failure's diff.
 */
export function formatMinimizeText(r: MinimizeReport, options: { color: boolean }): string {
  const secs = (r.durationMs / 1000).toFixed(1);
  const verdict = r.oneMinimal
    ? '1-minimal: removing any one remaining unit makes the failure go away'
    : `not minimal: ${r.stoppedBy ? STOP_WORDS[r.stoppedBy] : 'a single-unit removal could not be checked'}; the best recording so far was written`;
  const lines = [
    `minimized session ${r.source.session} of ${r.source.db} → ${r.out}`,
    `  target: ${r.target}`,
    `  units: ${r.units.before} → ${r.units.after}; messages: ${r.messages.before} → ${r.messages.after}`,
    `  runs: ${r.runs} in ${secs} s (${replaysPerSecond(r).toFixed(1)} replays/s, ${r.jobs} job${r.jobs === 1 ? '' : 's'}); fails at pace ${r.pace}${r.emptiedBodies ? `; ${r.emptiedBodies} input bod${r.emptiedBodies === 1 ? 'y' : 'ies'} emptied` : ''}`,
    `  ${verdict}`,
    ...r.kept.map((k) => `  kept: ${k}`),
    '',
    'the remaining failure:',
  ];
  return `${lines.join('\n')}\n${formatReplayText(r.failure, { color: options.color, verbose: false })}`;
}

/** The same as data (`--json FILE`): the report, with the failure as `replay --report` writes it. */
export function formatMinimizeJson(r: MinimizeReport): string {
  const doc = {
    ...r,
    replaysPerSecond: replaysPerSecond(r),
    failure: JSON.parse(formatReplayJson(r.failure)) as unknown,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
