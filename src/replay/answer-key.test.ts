import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAnswerKeyer, type AnswerIds } from './answer-key.js';

test('answers are keyed by kind and correlation id, never by position', () => {
  const keyer = createAnswerKeyer(new Set(['S1', 'S2']));
  // [answer, key] in arrival order: keys of correlated kinds do not depend on order
  const table: Array<[AnswerIds, string]> = [
    [{ kind: 'invocationResponse', invocationId: 'i2' }, 'invocationResponse:i2'],
    [{ kind: 'invocationResponse', invocationId: 'i1' }, 'invocationResponse:i1'],
    [{ kind: 'rpcLog', invocationId: 'i1' }, 'rpcLog:i1'],
    [{ kind: 'rpcLog' }, 'rpcLog:'],
    [{ kind: 'functionLoadResponse', functionId: 'f' }, 'functionLoadResponse:f'],
    [{ kind: 'workerStatusResponse', requestId: 'S2' }, 'workerStatusResponse:S2'],
    [{ kind: 'workerStatusResponse', requestId: 'R-startup' }, 'workerStatusResponse#0'], // does not echo: by occurrence
    [{ kind: 'workerInitResponse' }, 'workerInitResponse#0'],
    [{ kind: 'functionMetadataResponse' }, 'functionMetadataResponse#0'],
    [{ kind: 'functionEnvironmentReloadResponse' }, 'functionEnvironmentReloadResponse#0'],
    [{ kind: 'functionEnvironmentReloadResponse' }, 'functionEnvironmentReloadResponse#1'],
  ];
  for (const [ids, want] of table) assert.equal(keyer.key(ids), want);
});

test('occurrence counters are per keyer (one per side)', () => {
  const a = createAnswerKeyer(new Set());
  const b = createAnswerKeyer(new Set());
  assert.equal(a.key({ kind: 'workerInitResponse' }), 'workerInitResponse#0');
  assert.equal(b.key({ kind: 'workerInitResponse' }), 'workerInitResponse#0');
});
