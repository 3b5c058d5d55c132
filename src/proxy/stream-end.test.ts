import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StreamEndCommand, StreamEndEvent } from '../model/stream-end.js';
import { createStreamEnd } from './stream-end.js';
import { statusForRstCode, unreachableStatus } from './stream-statuses.js';

const OK = { code: 0, details: 'OK' };
const DENIED = { code: 7, details: 'no' };
const DROPPED = { code: 14, details: 'Connection dropped' };
const SHUTDOWN = { code: 14, details: 'functape record shutting down' };
const REFUSED = { name: 'Error', message: 'connect ECONNREFUSED 127.0.0.1:9' };
const rel = (side: 'worker' | 'upstream'): StreamEndCommand => ({ type: 'release', side });

/** A playbook: each step is an event and the commands it must give, in order. */
type Playbook = Array<[StreamEndEvent, StreamEndCommand[]]>;

/** Every end docs/RELIABILITY.md lists ("Ends and errors look as they would without functape"). */
const PLAYBOOKS: Record<string, Playbook> = {
  'the host ends with OK after data; the worker had half-closed': [
    [{ type: 'upstream-response', endStream: false, status: null }, [{ type: 'respond', endStream: false }]],
    [{ type: 'worker-end' }, [{ type: 'end-upstream' }]],
    [{ type: 'upstream-trailers', status: OK }, []],
    [{ type: 'upstream-end' }, [{ type: 'end-worker' }]],
    [{ type: 'want-trailers' }, [{ type: 'send-trailers' }]],
    [{ type: 'upstream-closed', dropped: false, connected: true }, [rel('upstream')]],
    [
      { type: 'worker-closed', rstCode: 0 },
      [rel('worker'), { type: 'tap-end', status: OK, reason: 'completed' }],
    ],
  ],
  'the host answers trailers-only with an error status': [
    [{ type: 'upstream-response', endStream: true, status: DENIED }, [{ type: 'respond', endStream: true }]],
    [{ type: 'upstream-closed', dropped: false, connected: true }, [rel('upstream')]],
    [
      { type: 'worker-closed', rstCode: 0 },
      [rel('worker'), { type: 'tap-end', status: DENIED, reason: 'error-status' }],
    ],
  ],
  'no upstream stream can be opened': [
    [
      { type: 'upstream-unavailable', error: REFUSED },
      [{ type: 'respond-status', status: unreachableStatus(REFUSED) }],
    ],
    [{ type: 'worker-end' }, []],
    [
      { type: 'worker-closed', rstCode: 0 },
      [rel('worker'), { type: 'tap-end', status: unreachableStatus(REFUSED), reason: 'host-gone' }],
    ],
  ],
  'the host is unreachable: the connection never came up': [
    [
      { type: 'upstream-closed', dropped: true, connected: false, error: REFUSED },
      [rel('upstream'), { type: 'respond-status', status: unreachableStatus(REFUSED) }],
    ],
    [
      { type: 'worker-closed', rstCode: 0 },
      [rel('worker'), { type: 'tap-end', status: unreachableStatus(REFUSED), reason: 'host-gone' }],
    ],
  ],
  'the host dies mid-session: the worker gets UNAVAILABLE "Connection dropped" in its trailers': [
    [{ type: 'upstream-response', endStream: false, status: null }, [{ type: 'respond', endStream: false }]],
    [
      { type: 'upstream-closed', dropped: true, connected: true },
      [rel('upstream'), { type: 'end-worker', status: DROPPED }],
    ],
    [{ type: 'want-trailers' }, [{ type: 'send-trailers', status: DROPPED }]],
    [
      { type: 'worker-closed', rstCode: 0 },
      [rel('worker'), { type: 'tap-end', status: DROPPED, reason: 'host-gone' }],
    ],
  ],
  'the host resets the stream: the worker gets the same reset code': [
    [{ type: 'upstream-response', endStream: false, status: null }, [{ type: 'respond', endStream: false }]],
    [
      { type: 'upstream-closed', rstCode: 8, dropped: false, connected: true },
      [rel('upstream'), { type: 'close-worker', code: 8 }],
    ],
    [
      { type: 'worker-closed', rstCode: 8 },
      [rel('worker'), { type: 'tap-end', status: statusForRstCode(8), reason: 'host-gone' }],
    ],
  ],
  'the host ends without status (RST NO_ERROR)': [
    [
      { type: 'upstream-closed', rstCode: 0, dropped: false, connected: true },
      [rel('upstream'), { type: 'close-worker', code: 0 }],
    ],
    [
      { type: 'worker-closed', rstCode: 0 },
      [rel('worker'), { type: 'tap-end', status: statusForRstCode(0), reason: 'host-gone' }],
    ],
  ],
  'the worker is killed: the host sees a CANCEL reset': [
    [{ type: 'upstream-response', endStream: false, status: null }, [{ type: 'respond', endStream: false }]],
    [{ type: 'worker-closed' }, [rel('worker'), { type: 'close-upstream', code: 8 }]],
    [
      { type: 'upstream-closed', rstCode: 8, dropped: false, connected: true },
      [
        rel('upstream'),
        {
          type: 'tap-end',
          status: { code: 1, details: 'the worker ended the stream (RST_STREAM code 8)' },
          reason: 'worker-gone',
        },
      ],
    ],
  ],
  'the worker cancels with its own code: the host gets that code': [
    [{ type: 'worker-closed', rstCode: 2 }, [rel('worker'), { type: 'close-upstream', code: 2 }]],
    [
      { type: 'upstream-closed', rstCode: 2, dropped: false, connected: true },
      [
        rel('upstream'),
        {
          type: 'tap-end',
          status: { code: 1, details: 'the worker ended the stream (RST_STREAM code 2)' },
          reason: 'worker-gone',
        },
      ],
    ],
  ],
  'the host ends while the worker still sends: the worker gets the status, the upstream is not reset': [
    [{ type: 'upstream-response', endStream: false, status: null }, [{ type: 'respond', endStream: false }]],
    [{ type: 'upstream-trailers', status: OK }, []],
    [{ type: 'upstream-end' }, [{ type: 'end-worker' }]],
    [{ type: 'want-trailers' }, [{ type: 'send-trailers' }]],
    [{ type: 'upstream-closed', dropped: false, connected: true }, [rel('upstream')]],
    [
      { type: 'worker-closed', rstCode: 0 },
      [rel('worker'), { type: 'tap-end', status: OK, reason: 'completed' }],
    ],
  ],
  'the host closes with a status before answering: the worker gets it trailers-only': [
    [{ type: 'upstream-trailers', status: DENIED }, []],
    [
      { type: 'upstream-closed', dropped: false, connected: true },
      [rel('upstream'), { type: 'respond-status', status: DENIED }],
    ],
    [
      { type: 'worker-closed', rstCode: 0 },
      [rel('worker'), { type: 'tap-end', status: DENIED, reason: 'error-status' }],
    ],
  ],
  'functape shuts down mid-stream: UNAVAILABLE to the worker, CANCEL to the host; a second abort does nothing':
    [
      [
        { type: 'upstream-response', endStream: false, status: null },
        [{ type: 'respond', endStream: false }],
      ],
      [
        { type: 'abort', status: SHUTDOWN, reason: 'shutdown' },
        [
          rel('worker'),
          rel('upstream'),
          { type: 'end-worker', status: SHUTDOWN },
          { type: 'close-upstream', code: 8 },
        ],
      ],
      [{ type: 'want-trailers' }, [{ type: 'send-trailers', status: SHUTDOWN }]],
      [{ type: 'upstream-closed', rstCode: 8, dropped: false, connected: true }, [rel('upstream')]],
      [
        { type: 'worker-closed', rstCode: 0 },
        [rel('worker'), { type: 'tap-end', status: SHUTDOWN, reason: 'shutdown' }],
      ],
      [{ type: 'abort', status: SHUTDOWN, reason: 'shutdown' }, []],
    ],
  'functape shuts down before the host answered: trailers-only UNAVAILABLE': [
    [
      { type: 'abort', status: SHUTDOWN, reason: 'store-error' },
      [
        rel('worker'),
        rel('upstream'),
        { type: 'respond-status', status: SHUTDOWN },
        { type: 'close-upstream', code: 8 },
      ],
    ],
    [{ type: 'upstream-response', endStream: false, status: null }, []],
    [{ type: 'worker-closed', rstCode: 0 }, [rel('worker')]],
    [
      { type: 'upstream-closed', rstCode: 8, dropped: false, connected: true },
      [rel('upstream'), { type: 'tap-end', status: SHUTDOWN, reason: 'store-error' }],
    ],
  ],
};

for (const [name, playbook] of Object.entries(PLAYBOOKS)) {
  test(`stream end: ${name}`, () => {
    const decide = createStreamEnd();
    playbook.forEach(([event, expected], i) =>
      assert.deepEqual(decide(event), expected, `step ${i + 1}: ${event.type}`),
    );
  });
}

test('tap-end comes exactly once, after both legs closed, whatever order they close in', () => {
  for (const order of [
    ['worker', 'upstream'],
    ['upstream', 'worker'],
  ]) {
    const decide = createStreamEnd();
    const ends = order
      .flatMap((side) =>
        decide(
          side === 'worker'
            ? { type: 'worker-closed', rstCode: 0 }
            : { type: 'upstream-closed', dropped: false, connected: true },
        ),
      )
      .filter((c) => c.type === 'tap-end');
    assert.equal(ends.length, 1, order.join(' then '));
    assert.deepEqual(decide({ type: 'worker-closed' }), [rel('worker')], 'nothing after the end');
  }
});

test('synthesised statuses are worded as grpc-js words them', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
  assert.deepEqual(unreachableStatus(refused), {
    code: 14,
    details:
      'No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:9. Resolution note: ',
  });
  assert.deepEqual(statusForRstCode(8), { code: 1, details: 'Call cancelled' });
  assert.deepEqual(statusForRstCode(7), { code: 14, details: 'Stream refused by server' });
  assert.equal(statusForRstCode(2).code, 13);
  assert.equal(
    statusForRstCode(0).details,
    'Received RST_STREAM with code 0 (Call ended without gRPC status)',
  );
  assert.equal(statusForRstCode(5).details, 'Received RST_STREAM with code 5');
});
