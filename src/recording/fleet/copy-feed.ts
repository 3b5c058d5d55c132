import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { setImmediate as turn } from 'node:timers/promises';

/**
 * Bytes a COPY may have queued in Node (its stream and the socket) before the producer waits
 * for them to go: enough that the server always has the next buffers while the producer reads
 * and encodes more, small enough that a chunk's memory stays bounded.
 */
export const COPY_WINDOW_BYTES = 8 << 20;

/**
 * Write `buffers` into a COPY ... FROM STDIN stream and end it; resolves once the server has
 * taken every row (the COPY's CommandComplete), rejects with the first error of either side.
 * Unlike a pipe, it does not wait for each buffer to reach the server before making the next:
 * it keeps up to `copy`'s highWaterMark (COPY_WINDOW_BYTES, see `copyWindow`) in flight and
 * lets the event loop run between buffers, so the socket is written while the next buffer is
 * read and encoded and the server never waits for the producer when it could be working.
 * On a producer error the COPY is destroyed (pg-copy-streams sends CopyFail, so the server
 * rolls the COPY back) and the error is thrown. On the server's error (pg-copy-streams emits it
 * and lets go of the connection) the stream is corked and its queue of chunks emptied at once,
 * so that no buffer still queued is handed to a connection it no longer has, and that error
 * is thrown.
 */
export async function feedCopy(copy: Writable, buffers: Iterable<Buffer>): Promise<void> {
  let serverFailed = false;
  copy.once('error', () => {
    serverFailed = true;
    copy.cork();
    // pg-copy-streams (7.x) drops its connection right after this event, while a flush of
    // its queued chunks may still be waiting for the socket's 'drain'; with chunks left, that
    // flush reads the dropped connection and throws from the socket's event (an uncaught
    // TypeError). Emptied, the queue lets that flush end without touching the connection.
    const queued = (copy as Writable & { chunks?: unknown[] }).chunks;
    if (Array.isArray(queued)) queued.length = 0;
  });
  const done = finished(copy);
  // a rejection that `done` reports before it is awaited must not count as unhandled
  done.catch(() => {});
  try {
    for (const b of buffers) {
      if (serverFailed) break;
      if (copy.write(b)) await turn();
      else await Promise.race([once(copy, 'drain'), done]);
    }
    if (!serverFailed) copy.end();
  } catch (err) {
    if (!serverFailed) copy.destroy(err instanceof Error ? err : new Error(String(err)));
    await done.catch(() => {});
    throw err;
  }
  await done;
}

/** The options of a COPY stream that `feedCopy` keeps fed (pg-copy-streams' `from(sql, options)`). */
export const copyWindow = { highWaterMark: COPY_WINDOW_BYTES } as const;
