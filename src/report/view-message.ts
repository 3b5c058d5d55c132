import { bytesToJson } from '../codec/streaming-message.js';
import { messageFrame } from '../codec/compression.js';
import type { StoredFrame } from '../model/frame.js';
import type { IndexRow } from '../model/index-row.js';
import type { SessionInfo } from '../model/session.js';
import {
  HEX_LIMIT,
  type MessageDetail,
  type MessageRow,
  type SessionRow,
  type ViewFilter,
} from './view-data.js';
import { createTimeline } from './timeline.js';

/** A list row for each frame (seq order), with `show`'s one-line summary. */
export function messageRows(frames: Iterable<StoredFrame>, names: ReadonlyMap<string, string>): MessageRow[] {
  const timeline = createTimeline();
  const out: MessageRow[] = [];
  for (const f of frames) {
    const t = timeline.row(f);
    const row: MessageRow = {
      seq: f.seq,
      tNs: Number(f.tNs),
      direction: f.direction,
      kind: f.kind,
      size: f.size,
      summary: t.summary,
    };
    if (f.invocationId) row.invocationId = f.invocationId;
    const fn = f.functionId ?? t.functionId;
    const name = t.functionName ?? (fn ? (names.get(fn) ?? fn) : undefined);
    if (name) row.function = name;
    out.push(row);
  }
  return out;
}

/** The inspector's view of one frame: its row, proto3 JSON (or why not) and exact bytes as hex. */
export function messageDetail(f: StoredFrame, names: ReadonlyMap<string, string>): MessageDetail {
  const [row] = messageRows([f], names);
  const decoded = bytesToJson(messageFrame(f).bytes);
  const detail: MessageDetail = {
    ...row!,
    json: decoded.json,
    hex: hexDump(f.bytes.subarray(0, HEX_LIMIT)),
    bytes: f.bytes.length,
    redacted: f.redacted,
  };
  const error = f.decodeError ?? decoded.error;
  if (error) detail.decodeError = error;
  return detail;
}

/** `offset  hex bytes  ascii`, 16 bytes a line. */
export function hexDump(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let at = 0; at < bytes.length; at += 16) {
    const chunk = bytes.subarray(at, at + 16);
    const hex = Array.from(chunk, (b) => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = Array.from(chunk, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${at.toString(16).padStart(8, '0')}  ${hex.padEnd(47)}  ${ascii}`);
  }
  return lines.join('\n');
}

/**
 * A predicate for the message list: does a row pass the filter? `statusOf` gives an
 * invocation's answer status (undefined: no answer). Function and status apply to an
 * invocation's every message; `functionOf` gives the function of an invocation whose
 * request came earlier in the same pass (the caller feeds rows in seq order).
 */
export function listMatcher(
  f: ViewFilter,
  names: ReadonlyMap<string, string>,
  statusOf: (invocationId: string) => number | undefined,
): (row: IndexRow) => boolean {
  const functionOf = new Map<string, string>();
  const STATUS = ['failure', 'success', 'cancelled'];
  return (row) => {
    if (row.kind === 'invocationRequest' && row.invocationId && row.functionId)
      functionOf.set(row.invocationId, row.functionId);
    if (f.kinds && !f.kinds.includes(row.kind)) return false;
    if (f.direction && row.direction !== f.direction) return false;
    const fn = row.functionId ?? (row.invocationId ? functionOf.get(row.invocationId) : undefined);
    if (f.functions && !(fn && f.functions.includes(fn))) return false;
    if (f.status) {
      if (!row.invocationId) return false;
      const s = statusOf(row.invocationId);
      if ((s === undefined ? 'open' : STATUS[s]) !== f.status) return false;
    }
    if (f.text) {
      const t = f.text;
      const hay = [row.invocationId, fn, fn && names.get(fn), row.log, row.kind];
      if (!hay.some((h) => h?.toLowerCase().includes(t))) return false;
    }
    return true;
  };
}

export function sessionRow(s: SessionInfo): SessionRow {
  const row: SessionRow = {
    id: s.id,
    startWallMs: s.startWallMs,
    toHost: s.counts.toHost,
    toWorker: s.counts.toWorker,
  };
  if (s.label) row.label = s.label;
  if (s.workerId) row.workerId = s.workerId;
  if (s.end) {
    row.durationMs = Number(s.end.endNs / 1000n) / 1000;
    row.endReason = s.end.reason;
    row.endWallMs = s.end.endWallMs;
    if (s.end.status) row.statusCode = s.end.status.code;
  }
  return row;
}
