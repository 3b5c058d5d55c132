import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describe } from '../codec/describe.js';
import { encodeMessage, makeMessage } from '../codec/streaming-message.js';
import { planSession } from './causal-plan.js';
import { createHostEngine, type HostEngineOptions } from './host-engine.js';
import { compileIgnores, DEFAULT_IGNORES } from './ignore-paths.js';
import { parsePace } from './pace.js';
import { m } from '../../test/helpers/build-frames.js';
import { SAMPLE_SESSION } from '../../test/helpers/sample-session.js';
import { warmHostEngine } from './warm-host-engine.js';

const live = (kind: string, value: object, requestId = '') =>
  encodeMessage(makeMessage(m(kind, value, requestId)));

test('warming plays the recording through throwaway engines: the caller’s id generator is never called, the real replay is unchanged', () => {
  const calls: string[] = [];
  const options: HostEngineOptions = {
    pace: parsePace('recorded'),
    answerTimeoutMs: 10_000,
    ignore: compileIgnores(DEFAULT_IGNORES),
    workerId: 'LW',
    requestId: 'LR',
    newId: () => {
      const id = `live-${calls.length + 1}`;
      calls.push(id);
      return id;
    },
  };
  const firstSends = () => {
    const e = createHostEngine(planSession(SAMPLE_SESSION), { ...options, pace: parsePace('fast') });
    e.receive(live('startStream', { workerId: 'LW' }, 'LR'), 0);
    return e.poll(0).send.map((b) => describe(b).kind);
  };
  const before = firstSends();
  calls.length = 0;
  warmHostEngine(SAMPLE_SESSION, options);
  assert.deepEqual(calls, [], 'no fresh id drawn from the caller');
  assert.deepEqual(firstSends(), before);
  warmHostEngine([], options); // nothing to warm: returns
});
