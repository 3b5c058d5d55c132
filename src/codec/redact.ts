import type { DescMessage } from '@bufbuild/protobuf';
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import type { MessageSpan } from './message-reader.js';
import { StreamingMessageSchema } from '../gen/FunctionRpc_pb.js';
import { compileGlobs, type NameTest } from './redact-glob.js';
import { createMarker, type MarkSecret } from './redact-marker.js';
import { createPathMatcher } from './redact-paths.js';
import { BUILTIN_RULES, walkMessage, type Level, type Walker } from './redact-walk.js';

/**
 * Capture-time redaction of secrets (see docs/SECURITY.md). Pure: bytes in, bytes out.
 *
 * Contract: `redact(bytes, kind)` returns `null` when the message holds nothing to
 * redact (the common case, which stays cheap: kinds whose schema cannot lead to a
 * secret are not read at all, and the others are walked without decoding anything
 * that cannot hold one), or the message bytes with every secret value replaced by a
 * marker that depends only on the secret (same secret → same marker). Every byte
 * outside a replaced value is kept as it was. Bytes that are not a well-formed
 * message give `null` (they are stored as they are). Redacting redacted bytes again
 * gives `null`: markers are never replaced.
 *
 * What is redacted by default: every value of FunctionEnvironmentReloadRequest
 * .environment_variables; in every RpcHttp (wherever it occurs: input data, trigger
 * metadata, return value, output data, log properties) the values of secret headers
 * in `headers`/`nullable_headers`, of secret query parameters in `query`/`nullable_query`
 * and in the query string (and userinfo password) of `url`, every cookie value and
 * every claim value; and in trigger_metadata the secret headers / query parameters
 * inside the `Headers` / `Query` JSON entries, and entries named like a secret query
 * parameter (hosts copy query parameters into the binding data one by one).
 */
export interface RedactRules {
  /** Extra proto3-JSON field paths to redact (from the StreamingMessage root), `*`/`**` wildcards allowed. */
  fieldPaths?: string[];
  /** Extra header-name patterns (case-insensitive, `*` wildcards), added to DEFAULT_SECRET_HEADERS. */
  headers?: string[];
  /** Extra query-parameter name patterns, added to DEFAULT_SECRET_QUERY. */
  query?: string[];
  /**
   * Environment-variable name patterns whose values are redacted even when `keepEnv`
   * matches them. Every value is redacted unless `keepEnv` names it.
   */
  env?: string[];
  /** Environment-variable name patterns whose values are stored as they are. */
  keepEnv?: string[];
  /** When set, markers use HMAC-SHA256 with this key instead of plain SHA-256 (no guessing of short secrets). */
  hashKey?: string;
}

/**
 * `span`, when given, is the message's span from message-reader.ts, already used by
 * `describeWith` (its reader's position does not matter): the message then costs no
 * reader of its own.
 */
export type Redactor = (bytes: Uint8Array, kind: string, span?: MessageSpan) => Uint8Array | null;

export const DEFAULT_SECRET_HEADERS: readonly string[] = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-functions-key',
  'x-ms-*token*',
  'x-ms-client-principal',
  'x-api-key',
  'ocp-apim-subscription-key',
];

export const DEFAULT_SECRET_QUERY: readonly string[] = [
  'code',
  'sig',
  'key',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'client_secret',
  'api_key',
  'apikey',
  'password',
];

/** Every message type from which the built-in rules can reach a secret (fixpoint over the schema). */
function builtinReach(root: DescMessage): Set<string> {
  const all = new Map<string, DescMessage>();
  const todo = [root];
  while (todo.length > 0) {
    const d = todo.pop()!;
    if (all.has(d.typeName)) continue;
    all.set(d.typeName, d);
    for (const f of d.fields) if (f.message) todo.push(f.message);
  }
  const reach = new Set<string>(BUILTIN_RULES.keys());
  let grew = true;
  while (grew) {
    grew = false;
    for (const d of all.values()) {
      if (reach.has(d.typeName)) continue;
      if (d.fields.some((f) => f.message !== undefined && reach.has(f.message.typeName))) {
        reach.add(d.typeName);
        grew = true;
      }
    }
  }
  return reach;
}

function envTest(rules: RedactRules): NameTest {
  const keep = compileGlobs(rules.keepEnv ?? []);
  const force = compileGlobs(rules.env ?? []);
  if ((rules.keepEnv ?? []).length === 0) return () => true;
  return (name) => force(name) || !keep(name);
}

/**
 * Remember recent markers: the same secret (an Authorization header, a function key)
 * usually comes with every invocation, and hashing it again each time is the main cost.
 * Entries are found by a cheap 32-bit hash of the secret (FNV-1a) and believed only when
 * their saved copy of the secret equals it byte for byte, so a collision costs a hash,
 * never a wrong marker.
 */
function cached(mark: MarkSecret, capacity = 1024): MarkSecret {
  const cache = new Map<number, { secret: Uint8Array; marker: Uint8Array }>();
  return (secret) => {
    const n = secret.length;
    if (n > 256) return mark(secret);
    let h = 0x811c9dc5;
    for (let i = 0; i < n; i++) h = Math.imul(h ^ secret[i]!, 0x01000193);
    const hit = cache.get(h);
    if (hit !== undefined && sameBytes(hit.secret, secret)) return hit.marker;
    const marker = mark(secret);
    if (cache.size >= capacity) cache.clear();
    // A copy: `secret` is a view into a message buffer that will be reused.
    cache.set(h, { secret: secret.slice(), marker });
    return marker;
  };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function createRedactor(rules: RedactRules = {}): Redactor {
  const paths = createPathMatcher(rules.fieldPaths ?? []);
  const reach = builtinReach(StreamingMessageSchema);
  const levels = new Map<DescMessage, Level>();
  const markBytes = cached(createMarker(rules.hashKey));
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  const walker: Walker = {
    header: compileGlobs([...DEFAULT_SECRET_HEADERS, ...(rules.headers ?? [])]),
    query: compileGlobs([...DEFAULT_SECRET_QUERY, ...(rules.query ?? [])]),
    env: envTest(rules),
    paths,
    markBytes,
    markText: (secret) => decoder.decode(markBytes(encoder.encode(secret))),
    levelOf(desc) {
      let level = levels.get(desc);
      if (level === undefined) {
        const builtins = BUILTIN_RULES.get(desc.typeName);
        level = {
          fields: new Map(desc.fields.map((f) => [f.number, f])),
          builtins,
          builtinFields: new Set(
            desc.fields
              .filter(
                (f) => builtins?.has(f.number) || (f.message !== undefined && reach.has(f.message.typeName)),
              )
              .map((f) => f.number),
          ),
          reaches: reach.has(desc.typeName),
        };
        levels.set(desc, level);
      }
      return level;
    },
    writer: new BinaryWriter(),
    decoder,
    encoder,
  };
  // Which content kinds are worth reading at all, decided once per kind.
  const kindIsLive = new Map<string, boolean>();
  const live = (kind: string): boolean => {
    let v = kindIsLive.get(kind);
    if (v === undefined) {
      const member = StreamingMessageSchema.fields.find((f) => f.jsonName === kind);
      const topPaths = paths.step(paths.start, 'requestId', 'request_id').length > 0;
      v =
        member !== undefined &&
        (topPaths ||
          paths.step(paths.start, member.jsonName, member.name).length > 0 ||
          (member.message !== undefined && reach.has(member.message.typeName)));
      kindIsLive.set(kind, v);
    }
    return v;
  };
  return (bytes, kind, span) => {
    if (bytes.length === 0 || !live(kind)) return null;
    try {
      // A fresh array (BinaryWriter output): the caller owns it and may transfer it.
      return walkMessage(bytes, StreamingMessageSchema, walker, paths.start, 'none', span);
    } catch {
      return null;
    }
  };
}
