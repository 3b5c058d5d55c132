import type { NameTest } from './redact-glob.js';
import { isMarkerText } from './redact-marker.js';

/** Marker for a secret given as text (hashes its UTF-8 bytes). */
export type MarkText = (secret: string) => string;

function decodeComponent(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/**
 * Redact a URL's secrets: the values of query parameters whose (decoded) name matches
 * `query`, and a password in the authority (`user:password@host`). The marker is made
 * from the decoded value, so it equals the marker of the same value in RpcHttp.query,
 * and is percent-encoded into the URL. Everything else is kept character for
 * character. Returns null when nothing changed.
 */
export function redactUrl(url: string, query: NameTest, mark: MarkText): string | null {
  let changed = false;
  let out = url;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(out);
  if (scheme) {
    const authStart = scheme[0].length;
    const rest = out.slice(authStart);
    const authEnd = authStart + (/[/?#]/.exec(rest)?.index ?? rest.length);
    const authority = out.slice(authStart, authEnd);
    const at = authority.lastIndexOf('@');
    const colon = at >= 0 ? authority.indexOf(':') : -1;
    if (colon >= 0 && colon < at) {
      const password = authority.slice(colon + 1, at);
      const plain = decodeComponent(password);
      if (password !== '' && !isMarkerText(plain)) {
        out =
          out.slice(0, authStart + colon + 1) + encodeURIComponent(mark(plain)) + out.slice(authStart + at);
        changed = true;
      }
    }
  }
  const q = out.indexOf('?');
  if (q >= 0) {
    const hash = out.indexOf('#', q);
    const end = hash >= 0 ? hash : out.length;
    const parts = out.slice(q + 1, end).split('&');
    let partsChanged = false;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      const eq = part.indexOf('=');
      if (eq < 0) continue;
      const value = part.slice(eq + 1);
      if (value === '' || !query(decodeComponent(part.slice(0, eq)))) continue;
      const plain = decodeComponent(value);
      if (isMarkerText(plain)) continue;
      parts[i] = `${part.slice(0, eq + 1)}${encodeURIComponent(mark(plain))}`;
      partsChanged = true;
    }
    if (partsChanged) {
      out = out.slice(0, q + 1) + parts.join('&') + out.slice(end);
      changed = true;
    }
  }
  return changed ? out : null;
}

/**
 * Redact a JSON object of name → value(s) (the `Headers` and `Query` entries older hosts
 * put in InvocationRequest.trigger_metadata): string values, or strings inside array
 * values, of matching names become markers. Text that is not a JSON object is left
 * alone. Returns null when nothing changed.
 */
export function redactJsonObject(json: string, names: NameTest, mark: MarkText): string | null {
  if (!anyKeyMatches(json, names)) return null;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return null;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const obj = value as Record<string, unknown>;
  let changed = false;
  const redactOne = (v: unknown): unknown => {
    if (typeof v !== 'string' || v === '' || isMarkerText(v)) return v;
    changed = true;
    return mark(v);
  };
  for (const [k, v] of Object.entries(obj)) {
    if (!names(k)) continue;
    obj[k] = Array.isArray(v) ? v.map(redactOne) : redactOne(v);
  }
  return changed ? JSON.stringify(obj) : null;
}

/**
 * A cheap look before parsing: does any `"name":` in the text match? Keys with escapes
 * are decoded through JSON.parse so that `"\u0063ode"` is seen as `code`. False
 * positives (a matching string that is a value, not a key) only cost the full parse.
 */
function anyKeyMatches(json: string, names: NameTest): boolean {
  // An escaped quote could make a match start inside a string: then just parse.
  if (json.includes('\\"')) return true;
  for (const m of json.matchAll(/"((?:[^"\\]|\\.)*)"\s*:/g)) {
    const raw = m[1]!;
    let key = raw;
    if (raw.includes('\\')) {
      try {
        key = JSON.parse(`"${raw}"`) as string;
      } catch {
        return true;
      }
    }
    if (names(key)) return true;
  }
  return false;
}
