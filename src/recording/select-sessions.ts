import type { SessionInfo } from '../model/session.js';

/** Which sessions a command works on, or why it cannot. */
export type SessionSelection =
  | { ok: true; sessions: SessionInfo[] /** Set when the choice was made for the user. */; note?: string }
  | { ok: false; error: string };

/**
 * `--session ID` given: exactly that session (an unknown id is an error naming the ids
 * that exist). Omitted: every session, in id order, with a note when there are several.
 */
export function selectSessions(
  all: readonly SessionInfo[],
  id: number | undefined,
  verb: string,
  path: string,
): SessionSelection {
  if (id !== undefined) {
    const s = all.find((x) => x.id === id);
    if (s) return { ok: true, sessions: [s] };
    return { ok: false, error: `no session ${id} in ${path} (${describeIds(all)})` };
  }
  if (all.length > 1)
    return {
      ok: true,
      sessions: [...all],
      note: `${verb} all ${all.length} sessions (--session ID picks one)`,
    };
  return { ok: true, sessions: [...all] };
}

function describeIds(all: readonly SessionInfo[]): string {
  if (all.length === 0) return 'it has no sessions';
  const ids = all.map((s) => s.id);
  const shown = ids.length > 12 ? `${ids.slice(0, 12).join(', ')}, ...` : ids.join(', ');
  return `sessions: ${shown}`;
}
