import { toJson, type JsonValue } from '@bufbuild/protobuf';
import type { SecretMask } from '../codec/secret-mask.js';
import { decodeMessage, StreamingMessageSchema } from '../codec/streaming-message.js';
import { maskVolatile, type PathMatcher } from './ignore-paths.js';
import { diffJson, type FieldDifference } from './json-diff.js';

/** How answers are compared: which paths to skip and how to bring live ids into recorded space. */
export interface CompareOptions {
  ignore: PathMatcher;
  /** Rewrite a decoded live message into the recording's id space. */
  toRecordedSpace: (json: JsonValue) => JsonValue;
  /**
   * What is secret, as `record` decides it: both sides are redacted before they are
   * compared, and a recorded marker matches the same secret live (see diffJson). Every
   * view of a message this module gives (and so every report) holds markers, never secrets.
   */
  secrets: SecretMask;
}

/**
 * The comparable view of a message: redacted by `secrets`, proto3 JSON with default values
 * written out (so a field set to its default on one side and absent on the other is equal,
 * and a change to a default shows both values), volatile log text masked.
 */
export function comparableView(bytes: Uint8Array, secrets: SecretMask): JsonValue {
  let json: JsonValue;
  try {
    json = toJson(StreamingMessageSchema, decodeMessage(secrets.message(bytes)), {
      alwaysEmitImplicit: true,
    });
  } catch (err) {
    return { undecodable: err instanceof Error ? err.message : String(err) };
  }
  return maskLogText(json);
}

function maskLogText(json: JsonValue): JsonValue {
  if (json && typeof json === 'object' && !Array.isArray(json)) {
    const log = json.rpcLog;
    if (log && typeof log === 'object' && !Array.isArray(log) && typeof log.message === 'string')
      return { ...json, rpcLog: { ...log, message: maskVolatile(log.message) } };
  }
  return json;
}

/** Field differences between a recorded answer and a live one (live ids mapped back first). */
export function compareAnswer(
  recorded: Uint8Array,
  live: Uint8Array,
  options: CompareOptions,
): FieldDifference[] {
  const { secrets } = options;
  return diffJson(
    sortUnordered(comparableView(recorded, secrets)),
    sortUnordered(options.toRecordedSpace(comparableView(live, secrets))),
    options.ignore,
    secrets.text,
  );
}

/** Lists whose order carries no meaning, and the field that identifies an element. */
const UNORDERED: ReadonlyArray<readonly [string, string, string]> = [
  ['functionMetadataResponse', 'functionMetadataResults', 'name'],
  ['functionLoadResponseCollection', 'functionLoadResponses', 'functionId'],
];

/**
 * Sort the lists a worker may produce in any order (indexed functions, load responses of
 * a collection) by their identifying field, so a worker that lists the same functions in
 * another order does not differ.
 */
export function sortUnordered(json: JsonValue): JsonValue {
  if (!json || typeof json !== 'object' || Array.isArray(json)) return json;
  for (const [member, list, key] of UNORDERED) {
    const m = json[member];
    if (!m || typeof m !== 'object' || Array.isArray(m)) continue;
    const items = m[list];
    if (!Array.isArray(items)) continue;
    const keyOf = (x: JsonValue) =>
      x && typeof x === 'object' && !Array.isArray(x) && typeof x[key] === 'string' ? (x[key] as string) : '';
    const sorted = [...items].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
    return { ...json, [member]: { ...m, [list]: sorted } };
  }
  return json;
}

/** The outcome of comparing one invocation's logs as multisets. */
export interface LogGroupComparison {
  /** Recorded logs with an identical live log. */
  matched: number;
  /** Pairs that differ, as a recorded log index → differences. */
  differed: Array<{ recordedIndex: number; liveIndex: number; differences: FieldDifference[] }>;
  /** Recorded logs with no live counterpart (indices into recorded). */
  missing: number[];
  /** Live logs with no recorded counterpart (indices into live). */
  extra: number[];
}

/**
 * Compare RpcLogs of one invocation as a multiset: order does not matter. Identical logs
 * (after masking and ignores) pair first; the rest pair in order of arrival, each pair
 * reported with its differences; what is left over is missing or extra.
 */
export function compareLogGroup(
  recorded: readonly Uint8Array[],
  live: readonly Uint8Array[],
  options: CompareOptions,
): LogGroupComparison {
  const { secrets } = options;
  const diff = (a: JsonValue | undefined, b: JsonValue | undefined) =>
    diffJson(a, b, options.ignore, secrets.text);
  const rec = recorded.map((b) => comparableView(b, secrets));
  const liv = live.map((b) => options.toRecordedSpace(comparableView(b, secrets)));
  const recLeft = new Set(rec.map((_, i) => i));
  const liveLeft: number[] = [];
  let matched = 0;
  for (let j = 0; j < liv.length; j++) {
    let hit = -1;
    for (const i of recLeft) {
      if (diff(rec[i], liv[j]).length === 0) {
        hit = i;
        break;
      }
    }
    if (hit >= 0) {
      recLeft.delete(hit);
      matched++;
    } else liveLeft.push(j);
  }
  const recRest = [...recLeft];
  const differed: LogGroupComparison['differed'] = [];
  const pairs = Math.min(recRest.length, liveLeft.length);
  for (let k = 0; k < pairs; k++)
    differed.push({
      recordedIndex: recRest[k]!,
      liveIndex: liveLeft[k]!,
      differences: diff(rec[recRest[k]!], liv[liveLeft[k]!]),
    });
  return { matched, differed, missing: recRest.slice(pairs), extra: liveLeft.slice(pairs) };
}
