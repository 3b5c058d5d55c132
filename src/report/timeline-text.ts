import type { TimelineRow } from './timeline.js';

export interface TimelineTextOptions {
  /** Wrap parts in ANSI colors (a TTY). */
  color?: boolean;
}

const ansi = (code: number, on: boolean) => (s: string) => (on ? `\u001b[${code}m${s}\u001b[39m` : s);
const dim = (on: boolean) => (s: string) => (on ? `\u001b[2m${s}\u001b[22m` : s);

/** "000".."999", built once: the fraction's digit groups without number-to-string conversions. */
const THREE = Array.from({ length: 1000 }, (_, i) => i.toFixed(0).padStart(3, '0'));

/** Seconds since the session start with µs precision, right-aligned: `   12.345678s`. */
export function formatOffset(tNs: bigint): string {
  if (tNs >= 0n && tNs <= 9_007_199_254_740_991n) {
    // Exact in a double: integer steps only (remainders, then exact divisions).
    const ns = Number(tNs);
    const us = (ns - (ns % 1000)) / 1000;
    const frac = us % 1_000_000;
    const s = (us - frac) / 1_000_000;
    return `${s}.${THREE[(frac - (frac % 1000)) / 1000]}${THREE[frac % 1000]}s`.padStart(13);
  }
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
const ARROWS = {
  plain: { toHost: 'H←W', toWorker: 'H→W' },
  color: { toHost: ansi(36, true)('H←W'), toWorker: ansi(35, true)('H→W') },
};

export function formatTimelineRow(row: TimelineRow, options: TimelineTextOptions = {}): string {
  const c = options.color === true;
  const arrow =
    row.direction === 'toHost'
      ? ARROWS[c ? 'color' : 'plain'].toHost
      : ARROWS[c ? 'color' : 'plain'].toWorker;
  const ids: string[] = [];
  if (row.requestId) ids.push(`req:${short(row.requestId)}`);
  if (row.invocationId) ids.push(`inv:${short(row.invocationId)}`);
  if (row.functionName) ids.push(`fn:${row.functionName}`);
  else if (row.functionId) ids.push(`fn:${short(row.functionId)}`);
  const kind = row.kind === 'unknown' ? ansi(31, c)(row.kind.padEnd(34)) : row.kind.padEnd(34);
  const size = formatSize(row.size).padStart(10);
  const summary = row.summary ? `  ${colorStatus(row.summary, c)}` : '';
  const redacted = row.redacted ? ` ${dim(c)('[redacted]')}` : '';
  const offset = formatOffset(row.tNs);
  return `${c ? dim(true)(offset) : offset} ${arrow} ${kind} ${ids.join(' ').padEnd(30)} ${size}${summary}${redacted}`.trimEnd();
}

function colorStatus(summary: string, on: boolean): string {
  if (!on) return summary;
  if (summary.startsWith('Failure') || summary.startsWith('Error') || summary.startsWith('Critical'))
    return ansi(31, true)(summary);
  if (summary.startsWith('Cancelled') || summary.startsWith('Warning')) return ansi(33, true)(summary);
  return summary;
}

/** A row as JSON-ready data (bigints as strings). */
export function timelineRowJson(row: TimelineRow): Record<string, unknown> {
  return { ...row, tNs: row.tNs.toString() };
}
