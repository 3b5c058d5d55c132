import type { StoredFrame } from '../model/frame.js';
import type { SessionInfo } from '../model/session.js';
import { CliError } from './command.js';

/**
 * Which session a command takes when `--session` is not given: `only` (replay: the file's
 * one session, refusing to guess among several) or `last-with-invocations` (bench: the
 * newest session that recorded an InvocationRequest).
 */
export type SessionDefault = 'only' | 'last-with-invocations';

/**
 * One session of a recording and its frames in seq order, for the commands that re-drive
 * a session (replay, bench). A file that cannot be used (cli/main words a RecordingError),
 * an empty recording, an unknown session or no session to default to is a one-line
 * CliError (exit 2).
 */
export async function readSessionFrames(
  db: string,
  wanted: number | undefined,
  byDefault: SessionDefault,
): Promise<{ session: SessionInfo; frames: StoredFrame[] }> {
  const { openRecording } = await import('../recording/index.js');
  const rec = openRecording(db);
  try {
    const sessions = rec.sessions();
    if (sessions.length === 0) throw new CliError(`${db} is an empty recording: it holds no sessions`);
    const ids = () => sessions.map((s) => s.id).join(', ');
    let session: SessionInfo | undefined;
    if (wanted !== undefined) {
      session = rec.session(wanted);
      if (!session) throw new CliError(`${db} has no session ${wanted} (sessions: ${ids()})`);
    } else if (byDefault === 'only') {
      if (sessions.length > 1)
        throw new CliError(`${db} holds ${sessions.length} sessions (${ids()}): pick one with --session`);
      session = sessions[0]!;
    } else {
      session = [...sessions].reverse().find((s) => {
        const first = rec.frames(s.id, { kinds: ['invocationRequest'] });
        const has = !first.next().done;
        first.return?.();
        return has;
      });
      if (!session) throw new CliError(`no session of ${db} has a recorded InvocationRequest`);
    }
    return { session, frames: [...rec.frames(session.id)] };
  } finally {
    rec.close();
  }
}
