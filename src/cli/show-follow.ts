import { setTimeout as sleep } from 'node:timers/promises';
import type { SessionInfo } from '../model/session.js';

/** How often `show --follow` looks for the file, new sessions and new messages. */
export const FOLLOW_POLL_MS = 200;

/** Poll `ready` every `pollMs` until it is true (→ true) or `signal` aborts (→ false). */
export async function waitUntil(
  ready: () => boolean,
  signal: AbortSignal,
  pollMs = FOLLOW_POLL_MS,
): Promise<boolean> {
  for (;;) {
    if (signal.aborted) return false;
    if (ready()) return true;
    await sleep(pollMs, undefined, { signal }).catch(() => undefined);
  }
}

/**
 * The sessions `show --follow` shows without `--session`, with `tail -F` semantics: the
 * newest session there is (waiting for a first one), then each later one in id order as
 * it appears, until `signal` aborts. The caller shows each to its end before asking for
 * the next, so sessions started meanwhile come one after another, none skipped.
 */
export async function* followSessions(
  list: () => readonly SessionInfo[],
  signal: AbortSignal,
  pollMs = FOLLOW_POLL_MS,
): AsyncGenerator<SessionInfo> {
  let last: number | undefined;
  for (;;) {
    let next: SessionInfo | undefined;
    const found = await waitUntil(
      () => {
        const all = list();
        next = last === undefined ? all[all.length - 1] : all.find((s) => s.id > last!);
        return next !== undefined;
      },
      signal,
      pollMs,
    );
    if (!found || !next) return;
    last = next.id;
    yield next;
  }
}
