import { createHash, createHmac } from 'node:crypto';

/**
 * The text that replaces a secret: `«redacted:<h>:<=<n>»`, where `<h>` is the first 8 hex
 * digits of sha256(secret) (or of HMAC-SHA256(hashKey, secret) when a key is set) and
 * `<n>` the length class: the smallest power of two ≥ the secret's length in bytes
 * (minimum 8). It depends only on the secret's bytes (and the key): the same secret
 * always gives the same marker, so replay and diff still correlate, while the secret
 * cannot be read back.
 *
 * Every character is in Latin-1 (« and » are U+00AB/U+00BB; the rest is ASCII), so a
 * marker is a valid WHATWG ByteString: replaying it as an HTTP header value into a
 * worker that builds fetch `Headers` (the Node.js worker does) cannot throw.
 */
export type MarkSecret = (secret: Uint8Array) => Uint8Array;

export const MARKER_PREFIX = '«redacted:';
const PREFIX_BYTES = new TextEncoder().encode(MARKER_PREFIX);
const MARKER_RE = /^«redacted:[0-9a-f]{8}:<=\d+»$/;
/** Longest marker in UTF-8 bytes (prefix 11, hash 8, ":<=" 3, 13 digits, "»" 2). */
const MAX_MARKER_BYTES = 40;

export function lengthClass(length: number): number {
  let n = 8;
  while (n < length && n < 2 ** 40) n *= 2;
  return n;
}

/** The marker text for a secret. */
export function markerText(secret: Uint8Array, hashKey?: string): string {
  const h = hashKey === undefined ? createHash('sha256') : createHmac('sha256', hashKey);
  const hex = h.update(secret).digest('hex').slice(0, 8);
  return `${MARKER_PREFIX}${hex}:<=${lengthClass(secret.length)}»`;
}

export function createMarker(hashKey?: string): MarkSecret {
  const encoder = new TextEncoder();
  return (secret) => encoder.encode(markerText(secret, hashKey));
}

/** True when the text already is a marker (redaction is idempotent: markers are kept). */
export function isMarkerText(text: string): boolean {
  return text.length <= MAX_MARKER_BYTES && MARKER_RE.test(text);
}

/** `isMarkerText` on UTF-8 bytes, without decoding anything that cannot be a marker. */
export function isMarkerBytes(bytes: Uint8Array): boolean {
  if (bytes.length > MAX_MARKER_BYTES || bytes.length < PREFIX_BYTES.length) return false;
  for (let i = 0; i < PREFIX_BYTES.length; i++) if (bytes[i] !== PREFIX_BYTES[i]) return false;
  return isMarkerText(new TextDecoder().decode(bytes));
}
