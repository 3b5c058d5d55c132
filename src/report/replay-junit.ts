import { replaySummaryLine, type ReplayOutcome, type ReplayReport } from './replay-report.js';
import { formatValue, outcomeTitle } from './replay-text.js';

export const escapeXml = (s: string): string =>
  s
    .replace(
      /[&<>"']/g,
      (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[ch]!,
    )
    // Characters XML 1.0 cannot carry at all.
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '\ufffd');

function body(o: ReplayOutcome): string {
  const lines = o.note ? [o.note] : [];
  for (const d of o.differences)
    lines.push(
      `${d.path}\n  - ${formatValue(d.recorded, 2000, d.path)}\n  + ${formatValue(d.live, 2000, d.path)}`,
    );
  if (o.status === 'extra' && o.live !== undefined) lines.push(`+ ${formatValue(o.live, 2000)}`);
  return lines.join('\n');
}

/**
 * The replay report as JUnit XML (`--junit FILE.xml`): one test suite for the session,
 * one test case per answer (host replays) or host message (worker replays); differed,
 * missing and unexpected ones are failures whose text is the field diff; those an
 * interruption left pending are skipped, not failures; a test case's time
 * is the live service time of the answer. A broken stream
 * adds an errored test case `stream`; a failure the faults revealed, one named `faults`.
 */
export function formatReplayJunit(report: ReplayReport): string {
  const name = `functape replay ${report.played}${report.session.id !== undefined ? ` session ${report.session.id}` : ''}${report.session.label ? ` (${report.session.label})` : ''}`;
  const failures = report.counts.differed + report.counts.missing + report.counts.extra;
  const cases: string[] = [];
  for (const o of report.outcomes) {
    const classname = escapeXml(`${o.kind}${o.functionName ? `.${o.functionName}` : ''}`);
    const seconds = o.serviceMs ? (o.serviceMs.live / 1000).toFixed(4) : '0';
    const open = `    <testcase classname="${classname}" name="${escapeXml(outcomeTitle(o))}" time="${seconds}">`;
    if (o.status === 'matched') {
      cases.push(`${open}</testcase>`);
      continue;
    }
    if (o.status === 'skipped') {
      cases.push(
        `${open}\n      <skipped message="${escapeXml(o.note ?? 'replay interrupted')}"/>\n    </testcase>`,
      );
      continue;
    }
    const type = o.status === 'differed' ? 'differed' : o.status === 'missing' ? 'missing' : 'unexpected';
    const message =
      o.status === 'differed'
        ? `${o.differences.length} field(s) differ: ${o.differences
            .slice(0, 3)
            .map((d) => d.path)
            .join(', ')}`
        : (o.note ?? type);
    cases.push(
      `${open}\n      <failure type="${type}" message="${escapeXml(message)}">${escapeXml(body(o))}</failure>\n    </testcase>`,
    );
  }
  if (report.stream.broken) {
    cases.push(
      `    <testcase classname="stream" name="stream" time="0">\n      <error type="broken" message="${escapeXml(report.stream.detail ?? 'stream broken')}"/>\n    </testcase>`,
    );
  }
  if (report.faults?.failure)
    cases.push(
      `    <testcase classname="faults" name="faults" time="0">\n      <error type="fault" message="${escapeXml(report.faults.failure)}"/>\n    </testcase>`,
    );
  const errors = (report.stream.broken ? 1 : 0) + (report.faults?.failure ? 1 : 0);
  const tests = report.outcomes.length + errors;
  const time = (report.durationMs / 1000).toFixed(3);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="functape replay" tests="${tests}" failures="${failures}" errors="${errors}" skipped="${report.counts.skipped}" time="${time}">`,
    `  <testsuite name="${escapeXml(name)}" tests="${tests}" failures="${failures}" errors="${errors}" skipped="${report.counts.skipped}" time="${time}" timestamp="${new Date(report.startedAtMs).toISOString()}">`,
    `    <properties><property name="pace" value="${escapeXml(report.pace)}"/><property name="summary" value="${escapeXml(replaySummaryLine(report))}"/></properties>`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
