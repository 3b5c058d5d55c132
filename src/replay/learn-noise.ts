import type { JsonValue } from '@bufbuild/protobuf';
import type { NoisePath } from '../report/noise-report.js';
import type { ReplayReport } from '../report/replay-report.js';

const MAX_EXAMPLES = 3;

/**
 * Learn noise from live runs of the same recording against the same worker: a field whose
 * value differs between two runs (for the same answer) is noise. Each run's value of a field
 * is read from its report: the live value where the run differed from the recording, else
 * the recorded one; so only the reports are needed, not the live messages.
 *
 * Invariant: a field that every run answered identically is never noise, even when all runs
 * differ from the recording (that is a real change, for the comparison to show).
 */
export function learnNoise(runs: readonly ReplayReport[]): NoisePath[] {
  /** key → path → per-run value (JSON text, `undefined` = absent). */
  const seen = new Map<string, Map<string, { recorded: string; live: Map<number, string> }>>();
  runs.forEach((r, run) => {
    for (const o of r.outcomes)
      for (const d of o.differences) {
        let paths = seen.get(o.key);
        if (!paths) seen.set(o.key, (paths = new Map()));
        let p = paths.get(d.path);
        if (!p) paths.set(d.path, (p = { recorded: text(d.recorded), live: new Map() }));
        p.live.set(run, text(d.live));
      }
  });
  const noise = new Map<string, NoisePath>();
  for (const paths of seen.values())
    for (const [path, p] of paths) {
      const values = runs.map((_, run) => p.live.get(run) ?? p.recorded);
      if (new Set(values).size < 2) continue;
      const n = noise.get(path) ?? { path, examples: [], answers: 0 };
      n.answers++;
      for (const v of values)
        if (
          n.examples.length < MAX_EXAMPLES &&
          v !== ABSENT &&
          !n.examples.some((e) => JSON.stringify(e) === v)
        )
          n.examples.push(JSON.parse(v) as JsonValue);
      noise.set(path, n);
    }
  return [...noise.values()].sort((a, b) => a.path.localeCompare(b.path));
}

const ABSENT = '\u0000absent';
const text = (v: JsonValue | undefined) => (v === undefined ? ABSENT : JSON.stringify(v));

/** An ignore file: one path per line, `#` comments; what `--ignore-file` reads back. */
export function formatIgnoreFile(noise: readonly NoisePath[], header: string): string {
  const lines = [`# ${header}`, '# one proto3 JSON path per line (functape replay --ignore-file)'];
  for (const n of noise)
    lines.push(`${n.path}  # ${n.answers} answers, e.g. ${JSON.stringify(n.examples[0] ?? null)}`);
  return `${lines.join('\n')}\n`;
}

/** The paths of an ignore file (blank lines and `#` comments skipped). */
export function parseIgnoreFile(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.replace(/#.*$/, '').trim())
    .filter((l) => l.length > 0);
}
