import type { JsonValue } from '@bufbuild/protobuf';
import pc from 'picocolors';
import { formatFaultLines } from './fault-text.js';
import { formatNoiseLines } from './noise-text.js';
import {
  replaySummaryLine,
  serviceTimeSummary,
  type ReplayOutcome,
  type ReplayReport,
} from './replay-report.js';

export interface ReplayTextOptions {
  /** Colour the diff (on a TTY). */
  color: boolean;
  /** Also list matched outcomes (one line each). */
  verbose?: boolean;
  /** Longest rendering of one value before it is cut (default 200 characters). */
  maxValue?: number;
}

/** Render one JSON value for a diff line: strings quoted, long values cut, absent shown as such. */
export function formatValue(v: JsonValue | undefined, max = 200, path = ''): string {
  if (v === undefined) return '(absent)';
  const text = typeof v === 'string' && /\.bytes$/.test(path) ? base64Text(v) : undefined;
  if (text !== undefined) {
    const shown = JSON.stringify(text);
    return `bytes ${shown.length > max ? `${shown.slice(0, max)}…` : shown} (${Buffer.from(v as string, 'base64').length} bytes)`;
  }
  const s = JSON.stringify(v);
  return s.length > max ? `${s.slice(0, max)}… (${s.length} chars)` : s;
}

/** The text a proto3 JSON `bytes` value holds, when it is printable UTF-8 (an HTTP body); else undefined. */
function base64Text(b64: string): string | undefined {
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(b64)) return undefined;
  const bytes = Buffer.from(b64, 'base64');
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  if (text.includes('\ufffd') || /[\u0000-\u0008\u000e-\u001f]/.test(text)) return undefined;
  return text;
}

/** A short title for an outcome: kind, function and correlation id. */
export function outcomeTitle(o: ReplayOutcome): string {
  const parts = [o.kind];
  if (o.functionName) parts.push(`'${o.functionName}'`);
  if (o.invocationId) parts.push(`invocation ${o.invocationId}`);
  else if (o.functionId && o.kind !== 'rpcLog') parts.push(`function ${o.functionId}`);
  else if (!o.invocationId && !o.functionId)
    parts.push(o.key.includes(':') ? o.key.slice(o.key.indexOf(':') + 1) || '(no invocation)' : o.key);
  if (o.recordedSeq !== undefined) parts.push(`(recorded #${o.recordedSeq})`);
  return parts.join(' ');
}

/**
 * The replay report as text: one block per differing, missing or unexpected message
 * (path, recorded value, new value), then how the stream ended and the summary line
 * `N answers matched, M differed, K missing`.
 */
export function formatReplayText(report: ReplayReport, options: ReplayTextOptions): string {
  const c = pc.createColors(options.color);
  const max = options.maxValue ?? 200;
  const lines: string[] = [];
  for (const o of report.outcomes) {
    if (o.status === 'matched' || o.status === 'skipped') {
      if (options.verbose)
        lines.push(`${c.green('✓')} ${outcomeTitle(o)}${o.note ? c.dim(` — ${o.note}`) : ''}`);
      continue;
    }
    const tag =
      o.status === 'differed'
        ? c.yellow('✗ differs')
        : o.status === 'missing'
          ? c.red('✗ missing')
          : c.magenta('✗ unexpected');
    lines.push(`${tag} ${c.bold(outcomeTitle(o))}${o.note ? c.dim(` — ${o.note}`) : ''}`);
    for (const d of o.differences) {
      lines.push(`    ${c.cyan(d.path)}`);
      lines.push(`      ${c.red(`- ${formatValue(d.recorded, max, d.path)}`)}`);
      lines.push(`      ${c.green(`+ ${formatValue(d.live, max, d.path)}`)}`);
    }
    if (o.status === 'extra' && o.differences.length === 0 && o.live !== undefined)
      lines.push(`    ${c.green(`+ ${formatValue(o.live, max)}`)}`);
  }
  if (report.noise) for (const l of formatNoiseLines(report.noise)) lines.push(c.dim(l));
  if (report.faults) {
    for (const l of formatFaultLines(report.faults, options.verbose)) lines.push(c.dim(l));
    if (report.faults.failure) lines.push(c.red(`fault verdict: ${report.faults.failure}`));
  }
  if (report.stream.broken)
    lines.push(c.red(`stream broken: ${report.stream.detail ?? 'the peer ended it early'}`));
  else if (report.stream.detail) lines.push(c.yellow(report.stream.detail));
  if (report.played === 'worker' && report.notReceived)
    lines.push(c.dim(`${report.notReceived} recorded host message(s) were never sent by the live host`));
  const timing = serviceTimeSummary(report);
  if (timing) {
    const f = (ms: number) => (ms < 10 ? ms.toFixed(2) : ms.toFixed(1));
    lines.push(
      c.dim(
        `invocation service time: p50 ${f(timing.live.p50)} ms live vs ${f(timing.recorded.p50)} ms recorded, p90 ${f(timing.live.p90)} vs ${f(timing.recorded.p90)} (${timing.count} timed)`,
      ),
    );
  }
  const summary = replaySummaryLine(report);
  const clean =
    report.counts.differed + report.counts.missing + report.counts.extra === 0 &&
    !report.stream.broken &&
    !report.faults?.failure;
  lines.push(
    `${clean ? c.green(summary) : c.bold(summary)} ${c.dim(`(${report.sent} sent, pace ${report.pace}${report.maxInFlight ? `, ≤${report.maxInFlight} in flight` : ''}, ${(report.durationMs / 1000).toFixed(2)} s)`)}`,
  );
  return `${lines.join('\n')}\n`;
}
