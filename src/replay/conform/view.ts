import { toJson, type JsonValue } from '@bufbuild/protobuf';
import { decodeMessage, StreamingMessageSchema } from '../../codec/streaming-message.js';
import type { Check } from './scenario.js';

/**
 * A received message as scenarios see it: its kind (the StreamingMessage member's JSON name,
 * `undecodable` for bytes that are not one) and a flat view, the member's proto3 JSON plus
 * the envelope's `requestId`. Paths in `where` and `check` are dotted paths into this view.
 */
export interface MessageView {
  kind: string;
  view: Record<string, unknown>;
  json: JsonValue | null;
}

/** Defaults are shown (a Failure status reads as "Failure", not as absent). */
export function viewOf(bytes: Uint8Array): MessageView {
  let json: JsonValue;
  try {
    json = toJson(StreamingMessageSchema, decodeMessage(bytes), { alwaysEmitImplicit: true });
  } catch (err) {
    return {
      kind: 'undecodable',
      view: { error: err instanceof Error ? err.message : String(err) },
      json: null,
    };
  }
  if (!json || typeof json !== 'object' || Array.isArray(json))
    return { kind: 'undecodable', view: { error: 'not a message' }, json: null };
  const { requestId, ...rest } = json as Record<string, unknown>;
  const kind = Object.keys(rest)[0] ?? 'empty';
  const member = (rest[kind] ?? {}) as Record<string, unknown>;
  return { kind, view: { ...member, requestId: requestId ?? '' }, json };
}

/** The value at a dotted path (`result.status`, `capabilities.WorkerStatus`), undefined when absent. */
export function valueAt(view: unknown, path: string): unknown {
  let v: unknown = view;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v).length === 0;
  return false;
}

/** Whether `view` has every `where` value (already expanded) at its path. */
export function matches(view: Record<string, unknown>, where: Record<string, string>): boolean {
  return Object.entries(where).every(([path, want]) => String(valueAt(view, path) ?? '') === want);
}

/**
 * The first failed check, as one line, or undefined when all hold. Checks come with their
 * templates expanded.
 */
export function firstFailedCheck(
  kind: string,
  view: Record<string, unknown>,
  checks: Check[],
): string | undefined {
  for (const c of checks) {
    const v = valueAt(view, c.path);
    const shown = v === undefined ? 'absent' : JSON.stringify(v);
    let bad: string | undefined;
    if (c.nonEmpty && isEmpty(v)) bad = `${kind}.${c.path} is empty`;
    else if (c.is !== undefined && v !== c.is)
      bad = `${kind}.${c.path} is ${shown}, expected ${JSON.stringify(c.is)}`;
    else if (c.oneOf && !c.oneOf.includes(v as string))
      bad = `${kind}.${c.path} is ${shown}, expected one of ${c.oneOf.map((x) => JSON.stringify(x)).join(', ')}`;
    if (bad) return c.reason ? `${c.reason} (${bad})` : bad;
  }
  return undefined;
}
