import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';

export interface BackgroundPush {
  /**
   * Ask the pusher for its last pass and let it finish on its own: it is not waited for, so a
   * worker's exit (which a host may be timing) never waits for the database.
   */
  stop(): void;
}

/**
 * `record`/`wrap --push-to`: a `functape push --follow --ended-only` in a process of its own,
 * so that nothing it does (COPY encoding, a database that is down, its retries and backoff)
 * runs on the relay's thread. Its lines go to `stderr` while this process lives. Killing it
 * at any point is safe: a push is transactional per chunk, and `functape push` catches up.
 */
export function startBackgroundPush(db: string, url: string, stderr: NodeJS.WritableStream): BackgroundPush {
  const bin = fileURLToPath(new URL('../../../bin/functape', import.meta.url));
  const child = spawn(
    process.execPath,
    [bin, 'push', '--db', db, '--to', url, '--host', hostname(), '--follow', '--ended-only', '--quiet'],
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  );
  child.on('error', () => {});
  child.stderr?.on('data', (chunk: Buffer) => stderr.write(chunk));
  return {
    stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      child.unref();
      (child.stderr as Socket | null)?.unref();
    },
  };
}

/** The background push of `--push-to`, started once the recording is open (nothing when not asked for). */
export function pushWhenOpen(
  opened: Promise<unknown>,
  settings: { path: string; pushTo?: string },
  stderr: NodeJS.WritableStream,
): BackgroundPush {
  const url = settings.pushTo;
  let pusher: BackgroundPush | undefined;
  let stopped = false;
  if (url !== undefined)
    opened.then(
      () => {
        if (!stopped) pusher = startBackgroundPush(settings.path, url, stderr);
      },
      () => {},
    );
  return {
    stop() {
      stopped = true;
      pusher?.stop();
    },
  };
}
