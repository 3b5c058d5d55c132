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
  /** Settles when the pusher's process is gone (record and wrap never wait for it). */
  readonly exited: Promise<void>;
}

/**
 * `record`/`wrap --push-to`: a `functape push --follow --ended-only --until-stdin-ends` in a
 * process of its own, so that nothing it does (COPY encoding, a database that is down, its
 * retries and backoff) runs on the relay's thread. Its lines go to `stderr` while this
 * process lives. Its stdin is a pipe from this process, and the pipe's end is its only
 * stop: `stop` closes it, and so does this process's exit however it comes (a crash,
 * SIGKILL). The end is never missed, however early it comes (a signal sent before the
 * pusher had set its handlers would kill it without its last pass), and the pusher never
 * outlives its recorder by more than its last pass. Killing the pusher at any point is
 * safe: a push is transactional per chunk, and `functape push` catches up.
 */
export function startBackgroundPush(db: string, url: string, stderr: NodeJS.WritableStream): BackgroundPush {
  const bin = fileURLToPath(new URL('../../../bin/functape', import.meta.url));
  const args = ['push', '--db', db, '--to', url, '--host', hostname(), '--follow', '--ended-only'];
  const child = spawn(process.execPath, [bin, ...args, '--until-stdin-ends', '--quiet'], {
    stdio: ['pipe', 'ignore', 'pipe'],
    detached: true,
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  child.on('error', () => {});
  child.stdin?.on('error', () => {});
  child.stderr?.on('data', (chunk: Buffer) => stderr.write(chunk));
  return {
    exited,
    stop() {
      child.stdin?.destroy();
      child.unref();
      (child.stderr as Socket | null)?.unref();
    },
  };
}

/**
 * `push --until-stdin-ends`: `signal`, also aborted when `input` ends (its writer closed it
 * or is gone). `input` is read and what it carries dropped; it does not keep the process
 * alive on its own.
 */
export function untilInputEnds(
  signal: AbortSignal,
  input: NodeJS.ReadableStream & { unref?: () => void },
): AbortSignal {
  const both = new AbortController();
  const abort = () => both.abort(signal.reason ?? 'input ended');
  if (signal.aborted) abort();
  signal.addEventListener('abort', abort, { once: true });
  input.once('end', abort);
  input.once('error', abort);
  input.resume();
  input.unref?.();
  return both.signal;
}

/** The background push of `--push-to`, started once the recording is open (nothing when not asked for). */
export function pushWhenOpen(
  opened: Promise<unknown>,
  settings: { path: string; pushTo?: string },
  stderr: NodeJS.WritableStream,
): Pick<BackgroundPush, 'stop'> {
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
