import type { TimelineRow } from './timeline.js';

export interface TimelineTextOptions {
  /** Wrap parts in ANSI colors (a TTY). */
  color?: boolean;
}

const ansi = (code: number, on: boolean) => (s: string) => (on ? `\u001b[${code}m${s}\u001b[39m` : s);
const dim = (on: boolean) => (s: string) => (on ? `\u001b[2m${s}\u001b[22m` : s);

/** Seconds since the session start with µs precision, right-aligned: `   12.345678s`. */
export function formatOffset(tNs: bigint): string {
  const us = tNs / 1000n;
  const s = us / 1_000_000n;
  const frac = (us % 1_000_000n).toString().padStart(6, '0');
  return `${s}.${frac}s`.padStart(13);
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

const short = (id: string) => (id.length > 12 ? id.slice(0, 8) : id);

/**
 * One timeline line: time, direction arrow (H←W: the worker sent it; H→W: the host
 * did), kind, ids, size, summary. Ids are shortened to 8 characters (the full ones are
 * in `--json`).
 */
export function formatTimelineRow(row: TimelineRow, options: TimelineTextOptions = {}): string {
  const c = options.color === true;
  const arrow = row.direction === 'toHost' ? ansi(36, c)('H←W') : ansi(35, c)('H→W');
  const ids: string[] = [];
  if (row.requestId) ids.push(`req:${short(row.requestId)}`);
  if (row.invocationId) ids.push(`inv:${short(row.invocationId)}`);
  if (row.functionName) ids.push(`fn:${row.functionName}`);
  else if (row.functionId) ids.push(`fn:${short(row.functionId)}`);
  const kind = row.kind === 'unknown' ? ansi(31, c)(row.kind.padEnd(34)) : row.kind.padEnd(34);
  const size = formatSize(row.size).padStart(10);
  const summary = row.summary ? `  ${colorStatus(row.summary, c)}` : '';
  const redacted = row.redacted ? ` ${dim(c)('[redacted]')}` : '';
  return `${dim(c)(formatOffset(row.tNs))} ${arrow} ${kind} ${ids.join(' ').padEnd(30)} ${size}${summary}${redacted}`.trimEnd();
}

function colorStatus(summary: string, on: boolean): string {
  if (!on) return summary;
  if (summary.startsWith('Failure') || summary.startsWith('Error') || summary.startsWith('Critical')) return ansi(31, true)(summary);
  if (summary.startsWith('Cancelled') || summary.startsWith('Warning')) return ansi(33, true)(summary);
  return summary;
}

/** A row as JSON-ready data (bigints as strings). */
export function timelineRowJson(row: TimelineRow): Record<string, unknown> {
  return { ...row, tNs: row.tNs.toString() };
}
