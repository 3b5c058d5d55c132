import type { FaultReport } from './fault-report.js';

/** Injected faults listed one per line before the rest are counted (all with `verbose`). */
const LISTED = 20;

/**
 * The faults block of a replay report: the specs and seed, each injected fault (`#at`
 * is the live host message it happened at, `rec #seq` the recorded message it changed),
 * and a failure the faults revealed. Lines without colour; the caller dims them.
 */
export function formatFaultLines(f: FaultReport, verbose = false): string[] {
  const byKind = new Map<string, number>();
  for (const i of f.injected) byKind.set(i.fault, (byKind.get(i.fault) ?? 0) + 1);
  const tally = [...byKind].map(([k, n]) => `${n} ${k}`).join(', ');
  const lines = [
    `faults (seed ${f.seed}): ${f.specs.join(' ')} — ${f.injected.length} injected${tally ? ` (${tally})` : ''}`,
  ];
  const shown = verbose ? f.injected : f.injected.slice(0, LISTED);
  for (const i of shown) {
    const where = [
      i.at !== undefined ? `#${i.at}` : '',
      i.recordedSeq !== undefined ? `rec #${i.recordedSeq}` : '',
    ]
      .filter(Boolean)
      .join(' ');
    lines.push(`  ${i.fault}${where ? ` ${where}` : ''}: ${i.detail}`);
  }
  if (shown.length < f.injected.length)
    lines.push(`  … ${f.injected.length - shown.length} more (--verbose or --report lists them all)`);
  return lines;
}
