/**
 * Capture-time redaction of secrets (see docs/SECURITY.md). Pure: bytes in, bytes out.
 *
 * Contract: `redact(bytes, kind)` returns `null` when the message holds nothing to
 * redact (the common case, which must stay cheap: kinds that cannot carry secrets are
 * not decoded at all), or the re-encoded message with every secret value replaced by a
 * marker that depends only on the secret (same secret → same marker).
 */
export interface RedactRules {
  /** Extra proto3-JSON field paths to redact, `*` wildcards allowed. */
  fieldPaths?: string[];
  /** Extra header-name patterns (case-insensitive, `*` wildcards). */
  headers?: string[];
  /** Extra query-parameter name patterns. */
  query?: string[];
  /** Environment-variable name patterns whose values to redact (default: all). */
  env?: string[];
}

export type Redactor = (bytes: Uint8Array, kind: string) => Uint8Array | null;

// PLACEHOLDER until the redaction work lands: redacts nothing.
export function createRedactor(_rules: RedactRules = {}): Redactor {
  return () => null;
}
