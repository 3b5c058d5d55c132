import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { untilInputEnds } from './push-to.js';

test('untilInputEnds: aborts when the input ends, even when the end came before anyone listened', async () => {
  const input = new PassThrough();
  input.end('anything the writer sent is dropped');
  const signal = untilInputEnds(new AbortController().signal, input);
  if (!signal.aborted) await once(signal, 'abort');
  assert.equal(signal.aborted, true);
});

test('untilInputEnds: aborts with the signal, and on an input error; not before', async () => {
  const stop = new AbortController();
  const open = new PassThrough();
  const bySignal = untilInputEnds(stop.signal, open);
  open.write('more');
  await new Promise((r) => setImmediate(r));
  assert.equal(bySignal.aborted, false, 'an open input with data stops nothing');
  stop.abort('SIGTERM');
  assert.equal(bySignal.aborted, true);
  assert.equal(bySignal.reason, 'SIGTERM');

  const broken = new PassThrough();
  const byError = untilInputEnds(new AbortController().signal, broken);
  broken.destroy(new Error('EPIPE'));
  if (!byError.aborted) await once(byError, 'abort');
  assert.equal(byError.aborted, true);
});

test('untilInputEnds: an already aborted signal gives an aborted signal', () => {
  const stop = new AbortController();
  stop.abort();
  assert.equal(untilInputEnds(stop.signal, new PassThrough()).aborted, true);
});
