import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWorkerFault } from './fault-spec.js';
import { createWorkerFaultState, faultAnswers } from './worker-faults.js';

const answer = (kind: string) => ({ bytes: new Uint8Array([1]), kind, delayMs: 0 });
const invocation = { kind: 'invocationRequest', functionName: 'hello' };

test('worker faults per host message: delay, drop (seeded), crash at the Nth message', () => {
  const st = createWorkerFaultState(
    ['delay-answer:hello=50ms', 'drop-answer:hello@100%', 'crash@3'].map(parseWorkerFault),
    1,
  );
  const one = faultAnswers(st, invocation, [answer('rpcLog'), answer('invocationResponse')]);
  assert.deepEqual(
    one.answers.map((a) => [a.answer.kind, a.extraMs]),
    [['rpcLog', 50]],
    'delayed, response dropped',
  );
  const other = faultAnswers(st, { kind: 'invocationRequest', functionName: 'echo' }, [
    answer('invocationResponse'),
  ]);
  assert.deepEqual(
    other.answers.map((a) => a.extraMs),
    [0],
    'another function is untouched',
  );
  assert.deepEqual(faultAnswers(st, invocation, [answer('invocationResponse')]), {
    answers: [],
    crash: true,
  });
  assert.deepEqual(
    st.injected.map((f) => [f.at, f.fault]),
    [
      [1, 'delay-answer'],
      [1, 'drop-answer'],
      [3, 'crash'],
    ],
  );
});

test('drop-answer draws from the seed: the same seed drops the same answers', () => {
  const drops = (seed: number) => {
    const st = createWorkerFaultState([parseWorkerFault('drop-answer:hello@50%')], seed);
    return Array.from(
      { length: 20 },
      () => faultAnswers(st, invocation, [answer('invocationResponse')]).answers.length,
    ).join('');
  };
  assert.equal(drops(4), drops(4));
  assert.match(drops(4), /0/);
  assert.match(drops(4), /1/);
});
