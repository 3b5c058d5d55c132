import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessage, encodeMessage, makeMessage } from '../codec/streaming-message.js';
import { msg, type MessageInit } from './messages.js';
import { CANCEL_RACE_EXIT_CODE, parseWorkerBugs, WORKER_BUGS } from './worker-bugs.js';
import { createWorkerProtocol, type WorkerEffect } from './worker-protocol.js';

test('parseWorkerBugs reads NAME and NAME=ARG, and refuses unknown names and bad arguments', () => {
  assert.deepEqual(parseWorkerBugs([]), {});
  assert.deepEqual(parseWorkerBugs(['state', 'concurrency=3']), { state: true, concurrency: 3 });
  for (const [spec, why] of [
    ['nope', /unknown bug "nope"/],
    ['state=1', /takes no argument/],
    ['concurrency', /needs =N/],
    ['concurrency=0', /integer >= 1/],
    ['concurrency=x', /integer >= 1/],
  ] as const)
    assert.throws(() => parseWorkerBugs([spec]), why);
  assert.ok(WORKER_BUGS.every((b) => b.doc.length > 0));
});

const enc = (init: MessageInit) => encodeMessage(makeMessage(init));
const load = (name: string) =>
  enc(msg('functionLoadRequest', { functionId: name, metadata: { name, functionId: name } }));
const invoke = (id: string, fn: string) =>
  enc(msg('invocationRequest', { invocationId: id, functionId: fn }));
const cancel = (id: string) => enc(msg('invocationCancel', { invocationId: id }));

function worker(bugs: string[]) {
  const w = createWorkerProtocol({
    workerId: 'W',
    requestId: 'R',
    workerVersion: '1',
    runtime: { name: 'node', version: '20', bitness: 'x64', pid: 1 },
    bugs: parseWorkerBugs(bugs),
    entropy: { newId: () => 'guid-1', nowMs: () => 0 },
  });
  w.start();
  for (const f of ['hello', 'sleep']) w.receive(load(f));
  return w;
}
const exits = (effects: WorkerEffect[]) => effects.filter((e) => e.type === 'exit');

test('cancel-race: a cancel for an answered invocation exits; a sleeping or unknown one is handled as usual', () => {
  const w = worker(['cancel-race']);
  w.receive(invoke('i1', 'hello'));
  w.receive(invoke('s1', 'sleep'));
  assert.deepEqual(exits(w.receive(cancel('s1'))), [], 'sleeping: answered Cancelled');
  assert.deepEqual(exits(w.receive(cancel('nobody'))), [], 'unknown: ignored');
  const [exit] = exits(w.receive(cancel('i1')));
  assert.equal((exit as { code: number }).code, CANCEL_RACE_EXIT_CODE);
  assert.deepEqual(exits(worker([]).receive(cancel('i1'))), [], 'without the bug: ignored');
});

test('noise: HTTP answers carry a fresh id and the time', () => {
  const [e] = worker(['noise']).receive(invoke('i1', 'hello'));
  const m = decodeMessage((e as { bytes: Uint8Array }).bytes);
  if (m.content.case !== 'invocationResponse' || m.content.value.returnValue?.data.case !== 'http')
    throw new Error('no http answer');
  const h = m.content.value.returnValue.data.value.headers;
  assert.equal(h['x-request-id'], 'guid-1');
  assert.equal(h.date, 'Thu, 01 Jan 1970 00:00:00 GMT');
});

test('the catalogue: unknown names and wrong arguments are one-line errors', () => {
  assert.ok(WORKER_BUGS.every((b) => b.name && b.doc));
  assert.throws(() => parseWorkerBugs(['nope']), /unknown bug "nope" \(known: .*cancel-race/);
  assert.throws(() => parseWorkerBugs(['noise=3']), /bug "noise" takes no argument/);
});
