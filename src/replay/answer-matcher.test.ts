import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AnswerIds } from './answer-key.js';
import * as M from './answer-matcher.js';
import { planSession } from './causal-plan.js';
import { SAMPLE_SESSION } from '../../test/helpers/sample-session.js';

const matcher = () => M.createMatcher(planSession(SAMPLE_SESSION));
/** The match as a short string: type and the recorded seq or key it names. */
function show(x: M.LiveMatch): string {
  switch (x.type) {
    case 'answer':
    case 'late':
      return `${x.type} ${x.answer.expected.frame.seq}`;
    case 'log':
      return `log ${x.group.key} (${x.group.recorded.length} recorded)`;
    case 'extra':
    case 'again':
      return `${x.type} ${x.key}`;
    case 'ignored':
      return 'ignored';
  }
}

test('live messages (ids in recorded space) are matched by kind and key, in any order', () => {
  const rows: Array<[AnswerIds, string]> = [
    [{ kind: 'invocationResponse', invocationId: 'i1' }, 'answer 14'],
    [{ kind: 'invocationResponse', invocationId: 'i2' }, 'answer 12'],
    [{ kind: 'functionLoadResponse', functionId: 'a' }, 'answer 8'],
    [{ kind: 'workerStatusResponse', requestId: 'S1' }, 'answer 16'],
    [{ kind: 'startStream', requestId: 'R' }, 'answer 0'],
    [{ kind: 'workerInitResponse' }, 'answer 2'],
    [{ kind: 'rpcLog', invocationId: 'i2' }, 'log rpcLog:i2 (1 recorded)'],
    [{ kind: 'rpcLog', invocationId: 'i1' }, 'log rpcLog:i1 (0 recorded)'],
    [{ kind: 'invocationResponse', invocationId: 'nope' }, 'extra invocationResponse:nope'],
    [{ kind: 'workerActionResponse' }, 'extra workerActionResponse#0'],
  ];
  const st = matcher();
  for (const [ids, expected] of rows) assert.equal(show(M.matchLive(st, ids)), expected, JSON.stringify(ids));
});

test('an answer matched once is "again" the second time, and "late" once it was declared missing', () => {
  const st = matcher();
  const first = M.matchLive(st, { kind: 'invocationResponse', invocationId: 'i1' });
  assert.equal(first.type, 'answer');
  if (first.type !== 'answer') return;
  M.settle(st, first.answer, M.describeOutcome(st, first.answer, 'matched', []));
  assert.equal(
    show(M.matchLive(st, { kind: 'invocationResponse', invocationId: 'i1' })),
    'again invocationResponse:i1',
  );
  const i2 = st.expected.byKey.get('invocationResponse:i2')!;
  M.settle(st, i2, M.describeOutcome(st, i2, 'missing', []));
  assert.equal(show(M.matchLive(st, { kind: 'invocationResponse', invocationId: 'i2' })), 'late 12');
});

test('a StartStream is ignored when the recording starts mid-stream', () => {
  const st = M.createMatcher(planSession(SAMPLE_SESSION.slice(1)));
  assert.equal(show(M.matchLive(st, { kind: 'startStream', requestId: 'R' })), 'ignored');
});

test('deadlines: only armed answers time out; watched invocations are given up on; answeredBefore follows resolution', () => {
  const st = matcher();
  assert.deepEqual(M.overdue(st, 1e9).answers, [], 'nothing armed, nothing overdue');
  M.armTriggered(st, undefined, 100); // StartStream
  M.armTriggered(st, 9, 200); // i1's invocation: its response 14
  M.watchIfUnanswered(st, 'i1', 300); // answered in the recording: not watched
  M.watchIfUnanswered(st, 'hung', 300);
  assert.equal(M.nextDeadline(st, 0), 100);
  assert.deepEqual(
    M.overdue(st, 150).answers.map((a) => a.expected.frame.seq),
    [0],
  );
  const all = M.overdue(st, 300);
  assert.deepEqual([all.answers.map((a) => a.expected.frame.seq), all.invocations], [[0, 14], ['hung']]);
  assert.equal(st.watching.size, 0, 'a watched invocation is handed out once');
  assert.equal(M.answeredBefore(st, 1), false);
  const start = st.expected.byKey.get('startStream#0')!;
  M.settle(st, start, M.describeOutcome(st, start, 'matched', []));
  assert.equal(M.answeredBefore(st, 1), true);
  assert.equal(M.answeredBefore(st, 3), false, 'the init response (seq 2) is not resolved');
});

test('a log group waits until as many live logs arrived as were recorded', () => {
  const st = matcher();
  M.armTriggered(st, 10, 500); // i2's invocation: its log group and response
  const g = st.expected.logGroups.get('rpcLog:i2')!;
  assert.equal(st.logsInFlight.has(g), true);
  M.addLiveLog(st, g, new Uint8Array([1]));
  assert.equal(st.logsInFlight.has(g), false);
});
