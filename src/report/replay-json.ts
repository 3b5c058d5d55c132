import { replayExitCode, replaySummaryLine, type ReplayReport } from './replay-report.js';

/**
 * The replay report as JSON (`--report FILE.json`): the report itself plus its exit code
 * and summary line, so a CI step can read the verdict without re-deriving it. BigInts
 * (stream status metadata never has them, but be safe) become strings; strings longer than
 * 4096 characters (a differing megabyte body) are cut, with their length.
 */
const MAX_STRING = 4096;

export function formatReplayJson(report: ReplayReport): string {
  const doc = { ...report, exitCode: replayExitCode(report), summary: replaySummaryLine(report) };
  return `${JSON.stringify(doc, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : typeof v === 'string' && v.length > MAX_STRING ? `${v.slice(0, MAX_STRING)}… (${v.length} chars)` : v), 2)}\n`;
}
