import type { JsonValue } from '@bufbuild/protobuf';
import { isMarkerText } from './redact-marker.js';
import { decodeMessage, messageToJson } from './streaming-message.js';

/**
 * A heuristic look for secrets the redaction rules did not cover: text that looks like
 * a credential (a JWT, a bearer token, a storage account key, a SAS signature, a private
 * key, `password=...`) anywhere in a message, e.g. a token a function logs or a
 * connection string in a body. It names where (a field path usable in a rules file) and
 * what it looked like, never the value. Heuristics miss things and flag some harmless
 * text: this helps a person decide, it proves nothing.
 */
export interface SecretHint {
  /** proto3 JSON path from the StreamingMessage root, list indexes as `*`. */
  path: string;
  /** Which signature matched (see SECRET_SIGNATURES). */
  signature: string;
}

export const SECRET_SIGNATURES: ReadonlyArray<readonly [string, RegExp]> = [
  ['jwt', /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/],
  ['bearer-token', /\bBearer\s+[A-Za-z0-9._~+/=-]{16,}/i],
  ['storage-account-key', /\bAccountKey=[A-Za-z0-9+/=]{20,}/i],
  ['shared-access-key', /\bSharedAccess(?:Key|Signature)=[^;\s"']{8,}/i],
  ['sas-signature', /[?&]sig=(?!%C2%ABredacted)[A-Za-z0-9%+/=]{16,}/i],
  ['private-key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
  ['password-assignment', /\b(?:password|passwd|pwd)\s*[=:]\s*(?!«redacted:|%C2%ABredacted)[^\s;&"',}]{4,}/i],
  ['aws-access-key', /\bAKIA[0-9A-Z]{16}\b/],
  ['github-token', /\bgh[pousr]_[A-Za-z0-9]{30,}\b/],
];

/** JSON members holding base64 bytes worth looking into as text. */
const BASE64_MEMBERS = new Set(['bytes', 'stream', 'content']);
/** Longest text looked at per value (a secret sits near the start of huge bodies, or is missed). */
const MAX_TEXT = 256 * 1024;

function textOf(key: string, value: string): string {
  if (!BASE64_MEMBERS.has(key)) return value.slice(0, MAX_TEXT);
  return Buffer.from(value.slice(0, Math.ceil((MAX_TEXT * 4) / 3)), 'base64').toString('latin1');
}

/** Hints for one message's bytes; [] for bytes that do not decode. Duplicates (same path and signature) are merged. */
export function scanForSecrets(bytes: Uint8Array): SecretHint[] {
  let json: JsonValue;
  try {
    json = messageToJson(decodeMessage(bytes));
  } catch {
    return [];
  }
  const found = new Map<string, SecretHint>();
  const visit = (v: JsonValue, path: string[], key: string): void => {
    if (typeof v === 'string') {
      if (v.length < 8 || isMarkerText(v)) return;
      const text = textOf(key, v);
      for (const [signature, re] of SECRET_SIGNATURES) {
        if (!re.test(text)) continue;
        const p = path.join('.');
        found.set(`${p} ${signature}`, { path: p, signature });
      }
    } else if (Array.isArray(v)) {
      for (const item of v) visit(item, [...path, '*'], key);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, item] of Object.entries(v)) visit(item as JsonValue, [...path, k], k);
    }
  };
  visit(json, [], '');
  return [...found.values()];
}
