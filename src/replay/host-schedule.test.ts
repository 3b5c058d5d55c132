import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planSession, type GateRef } from './causal-plan.js';
import * as S from './host-schedule.js';
import { parsePace } from './pace.js';
import { buildFrames, m } from '../../test/helpers/build-frames.js';
import { OK, SAMPLE_SESSION } from '../../test/helpers/sample-session.js';

/** A schedule of the sample session where every recorded answer up to seq `answeredTo` counts as resolved. */
function schedule(opts: { pace?: string; maxInFlight?: number; answeredTo?: number } = {}) {
  const answeredTo = opts.answeredTo ?? Number.POSITIVE_INFINITY;
  return S.createSchedule(planSession(SAMPLE_SESSION), {
    pace: parsePace(opts.pace ?? 'fast'),
    ...(opts.maxInFlight !== undefined ? { maxInFlight: opts.maxInFlight } : {}),
    answeredBefore: (seq) => seq - 1 <= answeredTo,
  });
}

/** Take every due step at `nowMs`, marking each sent; returns their recorded seqs. */
function sendDue(st: S.ScheduleState, nowMs: number): number[] {
  const out: number[] = [];
  for (let progress = true; progress; ) {
    progress = false;
    S.unpark(st, nowMs);
    for (let s = S.takeDue(st, nowMs); s; s = S.takeDue(st, nowMs)) {
      out.push(s.step.frame.seq);
      S.markSent(st, s, nowMs);
      progress = true;
    }
  }
  return out;
}
const answer = (seq: number): GateRef => ({ type: 'answer', seq });

test('gates: each row is the events that happened, and the host messages that may go out after them', () => {
  // Sample session seqs: 1 init, 3 metadata, 5/6 loads, 9/10 invocations, 13 cancel, 15 status, 17 terminate.
  const rows: Array<[string, GateRef[], number[]]> = [
    ['nothing before StartStream', [], []],
    ['StartStream: init only', [answer(0)], [1]],
    ['init answered: metadata', [answer(0), answer(2)], [1, 3]],
    ['metadata answered: both loads', [answer(0), answer(2), answer(4)], [1, 3, 5, 6]],
    [
      "a's load answered: a's invocation and its cancel",
      [answer(0), answer(2), answer(4), answer(8)],
      [1, 3, 5, 6, 9, 13],
    ],
    [
      'both loads: b, then the status request (all sent before it)',
      [answer(0), answer(2), answer(4), answer(8), answer(7)],
      [1, 3, 5, 6, 9, 13, 10, 15, 17],
    ],
  ];
  for (const [name, events, expected] of rows) {
    const st = schedule();
    S.considerAll(st, 0);
    const sent = sendDue(st, 0);
    for (const e of events) {
      S.happen(st, e, 0);
      sent.push(...sendDue(st, 0));
    }
    assert.deepEqual(sent, expected, name);
  }
});

test('afterAllAnswered: the terminate waits until every answer before it is resolved', () => {
  const rows: Array<[number, boolean]> = [
    [0, false],
    [15, false],
    [16, true],
    [Number.POSITIVE_INFINITY, true],
  ];
  for (const [answeredTo, terminates] of rows) {
    const st = schedule({ answeredTo });
    S.considerAll(st, 0);
    const sent = sendDue(st, 0);
    for (const seq of [0, 2, 4, 7, 8]) {
      S.happen(st, answer(seq), 0);
      sent.push(...sendDue(st, 0));
    }
    assert.equal(sent.includes(17), terminates, `answered through seq ${answeredTo}`);
  }
});

test('pacing: a step is due its scaled recorded delay after its gate opened, never before its release', () => {
  const rows: Array<[string, number, number]> = [
    // pace, when init's gate (StartStream) opens, when init is due (recorded delay 2 ms)
    ['recorded', 0, 2],
    ['2x', 0, 1],
    ['0.5x', 0, 4],
    ['fast', 0, 0],
    ['recorded', 100, 102],
  ];
  for (const [pace, openAt, dueAt] of rows) {
    const st = schedule({ pace });
    S.considerAll(st, 0);
    S.happen(st, answer(0), openAt);
    assert.equal(S.takeDue(st, dueAt - 0.001), undefined, `${pace}: not before ${dueAt}`);
    assert.equal(S.takeDue(st, dueAt)?.step.frame.seq, 1, `${pace}: due at ${dueAt}`);
  }
});

test('in-flight slots: invocations over the limit wait, and a finished one releases the next in recorded order', () => {
  const frames = buildFrames([
    ['toHost', 0, m('startStream', { workerId: 'W' }, 'R')],
    ['toWorker', 1, m('invocationRequest', { invocationId: 'a', functionId: 'f' })],
    ['toWorker', 2, m('invocationRequest', { invocationId: 'b', functionId: 'f' })],
    ['toWorker', 3, m('invocationRequest', { invocationId: 'c', functionId: 'f' })],
    ['toHost', 4, m('invocationResponse', { invocationId: 'a', result: OK })],
  ]);
  const rows: Array<[number, string[], string, string[]]> = [
    [1, ['a'], 'a', ['b']],
    [2, ['a', 'b'], 'b', ['c']],
    [0, ['a', 'b', 'c'], 'a', []],
    [5, ['a', 'b', 'c'], 'c', []],
  ];
  for (const [maxInFlight, first, finished, next] of rows) {
    const st = S.createSchedule(planSession(frames), {
      pace: parsePace('fast'),
      maxInFlight,
      answeredBefore: () => true,
    });
    S.considerAll(st, 0);
    S.happen(st, answer(0), 0);
    const ids = (seqs: number[]) => seqs.map((q) => st.stepBySeq.get(q)!.step.frame.invocationId!);
    assert.deepEqual(ids(sendDue(st, 0)), first, `limit ${maxInFlight}`);
    S.finishInvocation(st, finished, 1);
    assert.deepEqual(ids(sendDue(st, 1)), next, `limit ${maxInFlight}, ${finished} finished`);
  }
});

test('the limit holds steps back until it is raised; markSent keeps firstUnsent and the count', () => {
  const st = schedule();
  st.limit = 2;
  S.considerAll(st, 0);
  for (const seq of [0, 2, 4]) S.happen(st, answer(seq), 0);
  assert.deepEqual(sendDue(st, 0), [1, 3], 'the first two steps only');
  assert.deepEqual([st.firstUnsent, st.sentCount], [2, 2]);
  st.limit = st.steps.length;
  assert.deepEqual(sendDue(st, 0), [5, 6]);
  assert.deepEqual([st.firstUnsent, st.sentCount], [4, 4]);
});

test('a duplicate added by a fault takes no in-flight slot: the invocations after it are still released', () => {
  const plan = planSession(SAMPLE_SESSION);
  const i1 = plan.steps.findIndex((s) => s.frame.seq === 9);
  const copy = {
    ...plan.steps[i1]!,
    frame: { ...plan.steps[i1]!.frame, seq: 99 },
    after: [{ type: 'sent', seq: 9 }] as GateRef[],
    copyOf: 9,
  };
  plan.steps.splice(i1 + 1, 0, copy);
  const st = S.createSchedule(plan, { pace: parsePace('fast'), maxInFlight: 1, answeredBefore: () => true });
  S.considerAll(st, 0);
  for (const seq of [0, 2, 4, 7, 8]) S.happen(st, answer(seq), 0);
  const sent = sendDue(st, 0);
  assert.ok(sent.includes(99), 'the copy goes out right after i1');
  S.finishInvocation(st, 'i1', 0); // i1 answered once
  assert.ok(sendDue(st, 0).includes(10), 'i2 gets the slot: the copy held none');
});
