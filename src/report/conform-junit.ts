import type { ConformReport } from './conform-report.js';
import { escapeXml } from './replay-junit.js';

/**
 * The conformance report as JUnit XML (`--junit FILE`): one test suite, one test case per
 * scenario (classname: its area and level); failures carry the reason and the messages of
 * the run, skipped scenarios say why.
 */
export function formatConformJunit(report: ConformReport): string {
  const cases = report.results.map((r) => {
    const open = `    <testcase classname="${escapeXml(`${r.scenario.area}.${r.scenario.level}`)}" name="${escapeXml(`${r.scenario.id}: ${r.scenario.title}`)}" time="${(r.durationMs / 1000).toFixed(3)}">`;
    if (r.status === 'pass') return `${open}</testcase>`;
    if (r.status === 'skipped')
      return `${open}\n      <skipped message="${escapeXml(r.reason)}"/>\n    </testcase>`;
    const body = (r.messages ?? []).map(
      (m) => `${m.atMs.toFixed(1)} ms ${m.direction} ${JSON.stringify(m.json)}`,
    );
    return `${open}\n      <failure type="${r.scenario.level}" message="${escapeXml(r.reason)}">${escapeXml(body.join('\n'))}</failure>\n    </testcase>`;
  });
  const c = report.counts;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="functape conform" tests="${report.results.length}" failures="${c.fail}" skipped="${c.skipped}">`,
    `  <testsuite name="functape conform ${escapeXml(report.worker)}" tests="${report.results.length}" failures="${c.fail}" skipped="${c.skipped}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
