import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planSession, type GateRef } from './causal-plan.js';
import { buildFrames, m } from '../../test/helpers/build-frames.js';
import { SAMPLE_SESSION as frames } from '../../test/helpers/sample-session.js';

const ans = (seq: number): GateRef => ({ type: 'answer', seq });
const sent = (seq: number): GateRef => ({ type: 'sent', seq });

test('each host message is gated on what it depended on in the recording', () => {
  const plan = planSession(frames);
  const bySeq = new Map(plan.steps.map((s) => [s.frame.seq, s]));
  // [seq, explicit gate, afterAllSent, afterAllAnswered, releasedBy, delayMs]
  const table: Array<[number, GateRef[], boolean, boolean, GateRef | undefined, number]> = [
    [1, [ans(0)], false, false, ans(0), 2], // init after StartStream
    [3, [ans(0), sent(1), ans(2)], false, false, ans(2), 1], // metadata after init answered
    [5, [ans(0), sent(1), ans(2), ans(4)], false, false, ans(4), 1], // loads after metadata
    [6, [ans(0), sent(1), ans(2), ans(4)], false, false, ans(4), 2],
    [9, [ans(0), sent(1), ans(2), ans(8)], false, false, ans(8), 6], // invocation of a after a's load response
    [10, [ans(0), sent(1), ans(2), ans(7)], false, false, ans(7), 9], // of b after b's (which came first)
    [13, [ans(0), sent(1), ans(2), sent(9)], false, false, sent(9), 10], // cancel after its request
    [15, [ans(0), sent(1), ans(2)], true, false, sent(13), 10], // status after everything sent before it
    [17, [ans(0), sent(1), ans(2)], true, true, ans(16), 9], // terminate after everything
  ];
  for (const [seq, after, allSent, allAnswered, releasedBy, delay] of table) {
    const s = bySeq.get(seq)!;
    assert.deepEqual(s.after, after, `gate of ${seq}`);
    assert.equal(s.afterAllSent, allSent, `afterAllSent of ${seq}`);
    assert.equal(s.afterAllAnswered, allAnswered, `afterAllAnswered of ${seq}`);
    assert.deepEqual(s.releasedBy, releasedBy, `releasedBy of ${seq}`);
    assert.equal(s.delayMs, delay, `delay of ${seq}`);
  }
});

test('each recorded answer knows the host message it answers and its service time', () => {
  const plan = planSession(frames);
  const bySeq = new Map(plan.answers.map((a) => [a.frame.seq, a]));
  // [answer seq, trigger seq, service ms]
  const table: Array<[number, number | undefined, number]> = [
    [0, undefined, 0],
    [2, 1, 3],
    [4, 3, 3],
    [7, 6, 1], // b's load response answers b's load request, not the latest request
    [8, 5, 4],
    [11, 10, 1], // a log answers its invocation
    [12, 10, 2],
    [14, 9, 11], // the cancelled invocation's response still answers its request
    [16, 15, 1], // status response by echoed request id
  ];
  for (const [seq, trigger, service] of table) {
    assert.equal(bySeq.get(seq)!.trigger, trigger, `trigger of ${seq}`);
    assert.equal(bySeq.get(seq)!.serviceMs, service, `service time of ${seq}`);
  }
});

test('a plan without StartStream or init still gates invocations on their load', () => {
  const plan = planSession(
    buildFrames([
      ['toWorker', 0, m('functionLoadRequest', { functionId: 'f' })],
      ['toWorker', 1, m('invocationRequest', { invocationId: 'x', functionId: 'f' })],
      ['toHost', 2, m('functionLoadResponse', { functionId: 'f' })],
    ]),
  );
  assert.deepEqual(plan.steps[0]!.after, []);
  assert.equal(plan.steps[0]!.releasedBy, undefined);
  assert.deepEqual(plan.steps[1]!.after, [sent(0)]);
});

test('inOrder: every host message also waits for the sending of the one recorded before it', () => {
  const frames = buildFrames([
    ['toWorker', 0, m('functionLoadRequest', { functionId: 'f' })],
    ['toWorker', 0, m('functionLoadRequest', { functionId: 'g' })],
    ['toHost', 1, m('functionLoadResponse', { functionId: 'f' })],
    ['toHost', 1, m('functionLoadResponse', { functionId: 'g' })],
    ['toWorker', 2, m('invocationRequest', { invocationId: 'x', functionId: 'g' })],
    ['toWorker', 2, m('invocationRequest', { invocationId: 'y', functionId: 'f' })],
  ]);
  // By causality alone, y (function f) may go before x (function g): it waits only for f's load.
  assert.deepEqual(planSession(frames).steps[3]!.after, [{ type: 'answer', seq: 2 }]);
  assert.deepEqual(planSession(frames, { inOrder: true }).steps[3]!.after, [
    sent(4),
    { type: 'answer', seq: 2 },
  ]);
  assert.deepEqual(planSession(frames, { inOrder: true }).steps[0]!.after, []);
});
