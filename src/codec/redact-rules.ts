import { readFileSync } from 'node:fs';
import type { RedactRules } from './redact.js';
import { checkFieldPath } from './redact-paths.js';

/**
 * The `--redact-rules FILE` format: one JSON object, every member optional.
 *
 * ```json
 * {
 *   "headers": ["x-tenant-secret", "x-*-signature"],
 *   "query": ["sessionid"],
 *   "keepEnv": ["FUNCTIONS_WORKER_RUNTIME", "WEBSITE_SITE_NAME"],
 *   "env": ["*KEY*"],
 *   "fieldPaths": ["invocationRequest.inputData.*.data.json", "**.rawBody"],
 *   "hashKey": "per-team secret for markers"
 * }
 * ```
 * Rules only add to the built-in ones (docs/SECURITY.md); `keepEnv` is the one way to
 * store some environment values as they are. Every field path is checked against the
 * schema, so a typo is an error rather than a rule that silently never matches.
 */
export class RedactRulesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedactRulesError';
  }
}

const LIST_MEMBERS = ['headers', 'query', 'env', 'keepEnv', 'fieldPaths'] as const;
const MEMBERS: readonly string[] = [...LIST_MEMBERS, 'hashKey', '$comment'];

function stringList(value: unknown, member: string, where: string): string[] {
  if (!Array.isArray(value)) throw new RedactRulesError(`${where}: "${member}" must be an array of strings`);
  return value.map((v, i) => {
    if (typeof v !== 'string' || v.trim() === '')
      throw new RedactRulesError(`${where}: ${member}[${i}] must be a non-empty string`);
    if (/\s/.test(v)) throw new RedactRulesError(`${where}: ${member}[${i}] "${v}" contains white space`);
    return v;
  });
}

/** Validate rules given as JSON text; `where` names the source in error messages. Throws RedactRulesError. */
export function parseRedactRules(text: string, where = 'redact rules'): RedactRules {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new RedactRulesError(
      `${where}: not valid JSON (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    throw new RedactRulesError(`${where}: must be a JSON object`);
  const obj = json as Record<string, unknown>;
  const unknown = Object.keys(obj).filter((k) => !MEMBERS.includes(k));
  if (unknown.length > 0) {
    throw new RedactRulesError(
      `${where}: unknown member "${unknown[0]}" (allowed: ${MEMBERS.filter((m) => m !== '$comment').join(', ')})`,
    );
  }
  const rules: RedactRules = {};
  for (const m of LIST_MEMBERS) if (obj[m] !== undefined) rules[m] = stringList(obj[m], m, where);
  for (const [i, path] of (rules.fieldPaths ?? []).entries()) {
    const problem = checkFieldPath(path);
    if (problem !== undefined) throw new RedactRulesError(`${where}: fieldPaths[${i}] "${path}" ${problem}`);
  }
  if (obj.hashKey !== undefined) {
    if (typeof obj.hashKey !== 'string' || obj.hashKey.length < 8)
      throw new RedactRulesError(`${where}: "hashKey" must be a string of at least 8 characters`);
    rules.hashKey = obj.hashKey;
  }
  return rules;
}

/** Read and validate a rules file. Throws RedactRulesError (also for a missing or unreadable file). */
export function readRedactRulesFile(file: string): RedactRules {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new RedactRulesError(
      `cannot read redact rules ${file}: ${code === 'ENOENT' ? 'no such file' : (code ?? String(err))}`,
    );
  }
  return parseRedactRules(text, file);
}
