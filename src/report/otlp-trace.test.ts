import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTraceParent } from './otlp-trace.js';

test('a W3C traceparent gives the host trace and span ids; a malformed or all-zero one gives none', () => {
  assert.deepEqual(parseTraceParent('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'), {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    flags: 1,
  });
  for (const bad of [
    '',
    'garbage',
    '00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01', // upper case is not valid
    '00-00000000000000000000000000000000-b7ad6b7169203331-01',
    '00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01',
    'ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    '00-0af7651916cd43dd8448eb211c80319c-b7ad6b716920333-01',
  ])
    assert.equal(parseTraceParent(bad), undefined, bad);
});
