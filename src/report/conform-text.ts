import type { ConformReport, ScenarioInfo } from './conform-report.js';

/** The result table: scenario, level, pass/fail/skipped, one-line reason; then the counts. */
export function formatConformTable(report: ConformReport): string {
  const rows = report.results.map((r) => [r.scenario.id, r.scenario.level, r.status, r.reason]);
  const width = (i: number) =>
    Math.max(...[['scenario', 'level', 'result'][i]!, ...rows.map((r) => r[i]!)].map((s) => s.length));
  const w = [width(0), width(1), width(2)];
  const line = (cells: string[]) =>
    `${cells
      .slice(0, 3)
      .map((c, i) => c.padEnd(w[i]!))
      .join('  ')}  ${cells[3] ?? ''}`.trimEnd();
  const out = [line(['scenario', 'level', 'result', 'reason']), ...rows.map(line)];
  const c = report.counts;
  out.push('');
  if (report.cannotStart) out.push(`the worker cannot start: ${report.cannotStart}`);
  out.push(
    `${c.pass} passed, ${c.fail} failed (${c.requiredFailed} required), ${c.skipped} skipped` +
      (report.capabilities.length ? `; capabilities: ${report.capabilities.join(', ')}` : ''),
  );
  return `${out.join('\n')}\n`;
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The catalogue as a Markdown table (README "Test your language worker" holds this output). */
export function formatCatalogueMarkdown(scenarios: readonly ScenarioInfo[]): string {
  const rows = scenarios.map(
    (s) =>
      `| \`${s.id}\` | ${s.level}${s.capability ? ` (${s.capability})` : ''} | ${cell(s.checks)} | ${cell(s.source)} |`,
  );
  return `${['| id | level | what it checks | source |', '|---|---|---|---|', ...rows].join('\n')}\n`;
}

/** `--list`: one line per scenario. */
export function formatCatalogueList(scenarios: readonly ScenarioInfo[]): string {
  const w = Math.max(...scenarios.map((s) => s.id.length));
  return scenarios.map((s) => `${s.id.padEnd(w)}  ${s.level.padEnd(11)}  ${s.title}\n`).join('');
}
