import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatFinalStatus } from './sessions.js';

test('a session ended by WorkerTerminate reads as a normal shutdown, not as CANCELLED', () => {
  const base = {
    id: 1,
    startWallMs: 0,
    upstream: '',
    path: '',
    metadata: {},
    functapeVersion: '',
    schemaVersion: '',
    counts: { toHost: 0, toWorker: 0 },
  };
  const end = (reason: 'terminated' | 'worker-gone', details: string) => ({
    ...base,
    end: { id: 1, endNs: 1n, endWallMs: 0, status: { code: 1, details }, reason },
  });
  const why = 'the worker ended its stream 12.0 ms after WorkerTerminate, within its 5 s grace period';
  assert.equal(formatFinalStatus(end('terminated', why)), `${why} (terminated)`);
  assert.equal(formatFinalStatus(end('worker-gone', 'gone')), 'CANCELLED: gone (worker-gone)');
});
