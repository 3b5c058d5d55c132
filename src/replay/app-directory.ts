import { SETUP_KINDS } from './causal-plan.js';
import type { JsonValue } from '@bufbuild/protobuf';
import { decodeMessage, encodeMessage, messageFromJson, messageToJson } from '../codec/streaming-message.js';
import type { ReplayFrame } from './replay-frame.js';

/** The recorded function app directory and the one to use live instead. */
export interface DirectoryMove {
  recorded: string;
  live: string;
}

/** Host kinds that name the app directory (or files inside it). */
const NAMES_DIRECTORY: ReadonlySet<string> = new Set([...SETUP_KINDS, 'fileChangeEventRequest']);

/** The app directory a recorded session ran in: from its init request (function_app_directory, else worker_directory). */
export function recordedAppDirectory(frames: readonly ReplayFrame[]): string | undefined {
  const init = frames.find((f) => f.kind === 'workerInitRequest');
  if (!init) return undefined;
  try {
    const m = decodeMessage(init.bytes);
    if (m.content.case !== 'workerInitRequest') return undefined;
    return m.content.value.functionAppDirectory || m.content.value.workerDirectory || undefined;
  } catch {
    return undefined;
  }
}

/**
 * A move that changes something, or undefined: the recorded directory must be a real path
 * (not empty, not `/`) and differ from the live one. Trailing separators are dropped.
 */
export function directoryMove(
  recorded: string | undefined,
  live: string | undefined,
): DirectoryMove | undefined {
  const trim = (p: string) => (p.length > 1 ? p.replace(/[\\/]+$/, '') : p);
  if (!recorded || !live) return undefined;
  const r = trim(recorded);
  const l = trim(live);
  if (r.length < 2 || r === l) return undefined;
  return { recorded: r, live: l };
}

/** Replace `from` with `to` inside every string of a JSON view. */
export function replaceInStrings(json: JsonValue, from: string, to: string): JsonValue {
  if (typeof json === 'string') return json.includes(from) ? json.split(from).join(to) : json;
  if (Array.isArray(json)) return json.map((v) => replaceInStrings(v, from, to));
  if (json !== null && typeof json === 'object') {
    const out: Record<string, JsonValue> = {};
    for (const [k, v] of Object.entries(json)) out[k] = replaceInStrings(v as JsonValue, from, to);
    return out;
  }
  return json;
}

/**
 * A host message with the recorded app directory replaced by the live one wherever it
 * appears (init, metadata, loads: `directory`, `scriptFile`, ...), so a real worker finds
 * the app where it is now. Other kinds, and messages that do not mention it, keep their bytes.
 */
export function moveDirectory(kind: string, bytes: Uint8Array, move: DirectoryMove | undefined): Uint8Array {
  if (!move || !NAMES_DIRECTORY.has(kind)) return bytes;
  const json = messageToJson(decodeMessage(bytes));
  const text = JSON.stringify(json);
  if (!text.includes(JSON.stringify(move.recorded).slice(1, -1))) return bytes;
  return encodeMessage(messageFromJson(replaceInStrings(json, move.recorded, move.live)));
}
