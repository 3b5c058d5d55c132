import type { NoiseReport } from './noise-report.js';

/**
 * The ignores block of a replay report: each learned path (how many answers it varied in,
 * example values) marked `learned`, each given one marked `given`. Lines without colour.
 */
export function formatNoiseLines(n: NoiseReport): string[] {
  const lines: string[] = [];
  if (n.runs > 0)
    lines.push(
      `noise learned from ${n.runs} live runs: ${n.learned.length} field(s) ignored${n.learned.length ? ':' : ''}`,
    );
  for (const p of n.learned) {
    const examples = p.examples.map((e) => cut(JSON.stringify(e))).join(', ');
    lines.push(`  ignored (learned) ${p.path} — varied in ${p.answers} answer(s), e.g. ${examples}`);
  }
  for (const g of n.given) lines.push(`  ignored (given)   ${g}`);
  return lines;
}

const cut = (s: string) => (s.length > 60 ? `${s.slice(0, 60)}…` : s);
