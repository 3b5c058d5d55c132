import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitOrAbort } from './wait-or-abort.js';

/** Whether `p` has settled by the time the event loop turns once (no clock involved). */
async function settledNow(p: Promise<void>): Promise<boolean> {
  return Promise.race([p.then(() => true), new Promise<boolean>((r) => setImmediate(() => r(false)))]);
}

test('waitOrAbort: a signal that aborted before the wait ends it at once', async () => {
  const stop = new AbortController();
  stop.abort();
  assert.equal(await settledNow(waitOrAbort(60_000, stop.signal)), true);
});

test('waitOrAbort: waits until the signal aborts', async () => {
  const stop = new AbortController();
  const wait = waitOrAbort(60_000, stop.signal);
  assert.equal(await settledNow(wait), false);
  stop.abort();
  assert.equal(await settledNow(wait), true);
});
