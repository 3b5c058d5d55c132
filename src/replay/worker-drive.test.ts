import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Duplex } from '../model/duplex.js';
import type { Waker } from './event-loop.js';
import { createWorkerRun, scheduleAnswers } from './worker-drive.js';
import type { ScheduledAnswer, WorkerResponder } from './worker-responder.js';
import { parsePace } from './pace.js';

const answer = (kind: string, delayMs: number): ScheduledAnswer => ({
  bytes: new Uint8Array(),
  kind,
  delayMs,
});

function run(pace: string) {
  return createWorkerRun({
    responder: {} as WorkerResponder,
    duplex: {} as Duplex,
    waker: {} as Waker,
    pace: parsePace(pace),
    now: () => 0,
    signal: undefined,
    onTraffic: undefined,
    faults: undefined,
    names: new Map(),
  });
}

function drain(r: ReturnType<typeof run>): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  while (r.queue.size > 0) {
    const p = r.queue.pop()!;
    out.push([p.answer.kind, p.dueMs]);
  }
  return out;
}

test('scheduleAnswers: due at the paced recorded delay plus extra, ties in scheduling order', () => {
  const table: Array<[string, Array<[string, number]>]> = [
    [
      'recorded',
      [
        ['a', 100],
        ['c', 100],
        ['d', 103],
        ['b', 105],
      ],
    ],
    [
      '2x',
      [
        ['a', 100],
        ['c', 100],
        ['b', 102.5],
        ['d', 103],
      ],
    ],
    [
      'fast',
      [
        ['a', 100],
        ['b', 100],
        ['c', 100],
        ['d', 103],
      ],
    ],
  ];
  for (const [pace, expected] of table) {
    const r = run(pace);
    scheduleAnswers(r, [answer('a', 0), answer('b', 5)], 100);
    scheduleAnswers(r, [answer('c', 0)], 100);
    scheduleAnswers(r, [answer('d', 0)], 100, () => 3);
    assert.deepEqual(drain(r), expected, pace);
  }
});
