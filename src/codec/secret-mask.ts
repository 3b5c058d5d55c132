import { describe } from './describe.js';
import { createRedactor, type RedactRules } from './redact.js';
import { markerText } from './redact-marker.js';

/**
 * Redaction for what functape shows and compares rather than stores: replay's and
 * `bench --verify`'s diffs, their reports, and replay's `--record`. The same rules and the
 * same markers as `record` (docs/SECURITY.md), so a live secret and the marker a
 * recording holds for it meet as equal, and a live secret never reaches an output.
 *
 * Contract: `message(bytes)` is the message as `record` with these rules would store it
 * (the very same array when it holds nothing to redact, or is not a message); redacting
 * a redacted message again gives it unchanged. `text(s)` is the marker of a secret held as
 * a string (its UTF-8 bytes), with the rules' `hashKey` when one is set.
 *
 * With `false` (`--redact off`) messages are kept as they are; `text` still gives the
 * keyless marker, so a recorded marker can still be compared with a live value.
 */
export interface SecretMask {
  message(bytes: Uint8Array): Uint8Array;
  text(secret: string): string;
}

export function createSecretMask(rules: RedactRules | false = {}): SecretMask {
  const encoder = new TextEncoder();
  const hashKey = rules === false ? undefined : rules.hashKey;
  const text = (secret: string) => markerText(encoder.encode(secret), hashKey);
  if (rules === false) return { message: (bytes) => bytes, text };
  const redact = createRedactor(rules);
  return {
    message: (bytes) => redact(bytes, describe(bytes).kind) ?? bytes,
    text,
  };
}
