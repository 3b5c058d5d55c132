import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describe as describeBytes } from '../codec/describe.js';
import { encodeMessage, makeMessage } from '../codec/streaming-message.js';
import type { Direction, StoredFrame } from '../model/frame.js';
import { createTimeline } from './timeline.js';
import { formatOffset, formatSize, formatTimelineRow } from './timeline-text.js';

let seq = 0;
function frame(direction: Direction, init: Parameters<typeof makeMessage>[0]): StoredFrame {
  const bytes = encodeMessage(makeMessage(init));
  return {
    sessionId: 1,
    seq: seq++,
    dirSeq: 0,
    direction,
    tNs: BigInt(seq) * 1_500_000n,
    wallMs: 0,
    compressed: false,
    bytes,
    size: bytes.length,
    redacted: false,
    ...describeBytes(bytes),
  };
}

test('summaries name functions learnt from metadata responses and load collections, statuses, logs', () => {
  const tl = createTimeline();
  const rows = [
    frame('toHost', {
      content: {
        case: 'functionMetadataResponse',
        value: { functionMetadataResults: [{ name: 'alpha', functionId: 'id-a' }], result: { status: 1 } },
      },
    }),
    frame('toWorker', {
      content: {
        case: 'functionLoadRequestCollection',
        value: { functionLoadRequests: [{ functionId: 'id-b', metadata: { name: 'beta' } }] },
      },
    }),
    frame('toWorker', {
      content: {
        case: 'invocationRequest',
        value: {
          invocationId: 'i1',
          functionId: 'id-b',
          inputData: [
            {
              name: 'big',
              rpcData: { case: 'data', value: { data: { case: 'bytes', value: new Uint8Array(1 << 20) } } },
            },
          ],
        },
      },
    }),
    frame('toHost', {
      content: {
        case: 'rpcLog',
        value: { invocationId: 'i1', level: 4, message: `multi\nline   ${'x'.repeat(300)}` },
      },
    }),
    frame('toHost', {
      content: { case: 'invocationResponse', value: { invocationId: 'i1', result: { status: 2 } } },
    }),
    frame('toHost', {
      content: { case: 'invocationResponse', value: { invocationId: 'i9', result: { status: 1 } } },
    }),
    frame('toWorker', {
      content: {
        case: 'functionEnvironmentReloadRequest',
        value: { environmentVariables: { A: '1', B: '2' } },
      },
    }),
    frame('toHost', {
      content: {
        case: 'functionLoadResponse',
        value: { functionId: 'id-a', result: { status: 0, exception: { message: 'no such module' } } },
      },
    }),
  ].map((f) => tl.row(f));
  assert.deepEqual(
    rows.map((r) => [r.functionName, r.summary.slice(0, 40)]),
    [
      [undefined, 'Success, 1 functions'],
      [undefined, 'load 1 functions'],
      ['beta', ''],
      ['beta', 'Error: multi line xxxxxxxxxxxxxxxxxxxxxx'],
      ['beta', 'Cancelled'],
      [undefined, 'Success'],
      [undefined, '2 environment variables'],
      ['alpha', 'Failure: no such module'],
    ],
  );
  assert.ok(rows[3]!.summary.length <= 107 && rows[3]!.summary.endsWith('…'));
  const text = formatTimelineRow(rows[2]!);
  assert.match(text, /^\s+0\.004500s H→W invocationRequest\s+inv:i1 fn:beta\s+1\.0 MiB$/);
});

test('text helpers', () => {
  assert.equal(formatOffset(0n), '    0.000000s');
  assert.equal(formatOffset(3_723_000_456_789n), ' 3723.000456s');
  assert.deepEqual(
    [formatSize(5), formatSize(2048), formatSize(3 * 1024 * 1024)],
    ['5 B', '2.0 KiB', '3.0 MiB'],
  );
  // Below 2^53 ns the offset is computed on numbers: the same text as with bigints.
  const reference = (tNs: bigint) =>
    `${tNs / 1000n / 1_000_000n}.${((tNs / 1000n) % 1_000_000n).toString().padStart(6, '0')}s`.padStart(13);
  let x = 7n;
  const values = [
    0n,
    999n,
    1000n,
    999_999_999n,
    1_000_000_000n,
    2n ** 53n - 1n,
    2n ** 53n,
    2n ** 53n + 999n,
    2n ** 64n,
    -1n,
    -1_500_000n,
  ];
  for (let i = 0; i < 3000; i++) {
    x = (x * 6364136223846793005n + 1442695040888963407n) % 2n ** 64n;
    values.push(x % 2n ** 53n, x % 10n ** 12n, x % 1000n);
  }
  for (const v of values) assert.equal(formatOffset(v), reference(v), `${v}`);
});

test('HTTP invocations: method and path on the request, status code on the answer', () => {
  const tl = createTimeline();
  const req = tl.row(
    frame('toWorker', {
      content: {
        case: 'invocationRequest',
        value: {
          invocationId: 'h1',
          functionId: 'f',
          inputData: [
            { name: 'ctx', rpcData: { case: 'data', value: { data: { case: 'string', value: 'x' } } } },
            {
              name: 'req',
              rpcData: {
                case: 'data',
                value: {
                  data: {
                    case: 'http',
                    value: { method: 'GET', url: 'http://localhost:7071/api/hello?name=Ada' },
                  },
                },
              },
            },
          ],
        },
      },
    }),
  );
  assert.equal(req.summary, 'GET /api/hello?name=Ada');
  const viaReturn = tl.row(
    frame('toHost', {
      content: {
        case: 'invocationResponse',
        value: {
          invocationId: 'h1',
          result: { status: 1 },
          returnValue: { data: { case: 'http', value: { statusCode: '200' } } },
        },
      },
    }),
  );
  assert.equal(viaReturn.summary, 'Success, HTTP 200');
  const viaOutput = tl.row(
    frame('toHost', {
      content: {
        case: 'invocationResponse',
        value: {
          invocationId: 'h2',
          result: { status: 1 },
          outputData: [
            {
              name: '$return',
              rpcData: { case: 'data', value: { data: { case: 'http', value: { statusCode: '404' } } } },
            },
          ],
        },
      },
    }),
  );
  assert.equal(viaOutput.summary, 'Success, HTTP 404');
});

test('messages that are views of one shared buffer (a page read at once) give the rows of their own copies, also cut short', () => {
  const messages = [
    frame('toHost', {
      content: {
        case: 'invocationResponse',
        value: {
          invocationId: 'h1',
          result: { status: 1 },
          returnValue: { data: { case: 'http', value: { statusCode: '200' } } },
        },
      },
    }),
    frame('toHost', {
      content: { case: 'rpcLog', value: { invocationId: 'h1', level: 3, message: 'careful' } },
    }),
    frame('toWorker', {
      content: {
        case: 'invocationRequest',
        value: {
          invocationId: 'h2',
          functionId: 'f',
          inputData: [
            {
              name: 'req',
              rpcData: {
                case: 'data',
                value: { data: { case: 'http', value: { method: 'POST', url: '/api/x' } } },
              },
            },
          ],
        },
      },
    }),
    frame('toHost', {
      content: { case: 'workerInitResponse', value: { result: { status: 1 }, capabilities: { a: 'b' } } },
    }),
  ];
  // Each message, whole and cut short, laid back to back in one buffer, as a page of
  // stored messages is; bytes after a cut message belong to the next one.
  const pieces = messages.flatMap((f) => [
    f.bytes,
    f.bytes.subarray(0, f.bytes.length - 3),
    f.bytes.subarray(0, 5),
  ]);
  const page = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  const views = pieces.map((p) => {
    page.set(p, offset);
    offset += p.length;
    return page.subarray(offset - p.length, offset);
  });
  const kindOf = (i: number) => messages[Math.floor(i / 3)]!;
  const shared = createTimeline();
  const alone = createTimeline();
  views.forEach((view, i) => {
    const f = { ...kindOf(i), bytes: view };
    assert.deepEqual(shared.row(f), alone.row({ ...f, bytes: Uint8Array.from(view) }), `piece ${i}`);
  });
});
