import type { JsonValue } from '@bufbuild/protobuf';
import { replaceInStrings, type DirectoryMove } from './app-directory.js';
import { rewriteIds, type IdMap } from './id-map.js';

/** What a live stream's messages differ from the recording by: its ids and its app directory. */
export interface RecordedSpace {
  readonly ids: Pick<IdMap, 'toRecorded'>;
  readonly directory?: DirectoryMove;
}

/**
 * The one rule that brings a live message into the recording's terms before it is diffed,
 * shared by `replay host` and `bench --verify`: every live id the replay mapped (worker id,
 * request ids, function ids, invocation ids) becomes its recorded id, as a whole string and
 * inside text (GUIDs in log messages such as "Worker <id> received ..."), then the live app
 * directory becomes the recorded one. `extra` maps one more id (bench's invocation ids,
 * which the replay's map never sees). Returns a new value.
 */
export function toRecordedSpace(
  json: JsonValue,
  space: RecordedSpace,
  extra?: { live: string; recorded: string },
): JsonValue {
  const lookup = extra
    ? (id: string) => (id === extra.live ? extra.recorded : space.ids.toRecorded(id))
    : (id: string) => space.ids.toRecorded(id);
  const mapped = rewriteIds(json, lookup, extra ? [extra.live] : []);
  const move = space.directory;
  return move ? replaceInStrings(mapped, move.live, move.recorded) : mapped;
}
