import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { decodeMessage, encodeMessage, makeMessage } from '../codec/streaming-message.js';
import {
  ANSWER_LOG,
  ANSWER_OTHER,
  ANSWER_RESPONSE,
  newAnswerScan,
  readWorkerAnswer,
  scanWorkerAnswer,
  statusName,
  type AnswerScan,
} from './worker-answer.js';

const LD = WireType.LengthDelimited;

/** A StreamingMessage with `member` as field `field` (5 = invocationResponse, 2 = rpcLog). */
function top(field: number, member: Uint8Array, before?: (w: BinaryWriter) => void): Uint8Array {
  const w = new BinaryWriter();
  before?.(w);
  return w.tag(field, LD).bytes(member).finish();
}

function assertOther(s: AnswerScan, why: string): void {
  assert.deepEqual(
    { kind: s.kind, idStart: s.idStart, idLen: s.idLen, status: s.status },
    { kind: ANSWER_OTHER, idStart: 0, idLen: 0, status: -1 },
    why,
  );
}

/** What a full decode says about the same bytes, in readWorkerAnswer's terms. */
function byFullDecode(bytes: Uint8Array): unknown {
  const m = decodeMessage(bytes);
  if (m.content.case === 'rpcLog') return { kind: 'rpcLog', invocationId: m.content.value.invocationId };
  if (m.content.case !== 'invocationResponse') return { kind: 'other' };
  const v = m.content.value;
  return {
    kind: 'invocationResponse',
    invocationId: v.invocationId,
    status: v.result ? statusName(v.result.status) : 'none',
  };
}

test('agrees with a full decode on field order, unknown fields and the request id', () => {
  const result = new BinaryWriter().tag(1, LD).string('why').tag(4, WireType.Varint).int32(1).finish();
  const cases: Uint8Array[] = [
    // status after the return value, an unknown varint, fixed32, fixed64 and a group in the member
    top(
      5,
      new BinaryWriter()
        .tag(4, LD)
        .bytes(new BinaryWriter().tag(1, LD).string('x'.repeat(300)).finish())
        .tag(3, LD)
        .bytes(result)
        .tag(99, WireType.Varint)
        .uint64(2n ** 63n)
        .tag(98, WireType.Bit32)
        .fixed32(7)
        .tag(97, WireType.Bit64)
        .fixed64(7n)
        .tag(96, WireType.StartGroup)
        .tag(1, WireType.Varint)
        .int32(5)
        .tag(96, WireType.EndGroup)
        .tag(1, LD)
        .string('id-after')
        .finish(),
      (w) => w.tag(1, LD).string('request-1'),
    ),
    top(2, new BinaryWriter().tag(4, LD).string('message').tag(1, LD).string('log-id').finish(), (w) =>
      w.tag(1000, WireType.Varint).int32(-1),
    ),
    top(
      5,
      new BinaryWriter()
        .tag(3, LD)
        .bytes(new BinaryWriter().tag(4, WireType.Varint).int32(7).finish())
        .tag(1, LD)
        .string('ünïcode')
        .finish(),
    ),
    top(5, new BinaryWriter().finish()),
    encodeMessage(makeMessage({ content: { case: 'invocationRequest', value: { invocationId: 'req' } } })),
    new Uint8Array(0),
  ];
  for (const bytes of cases) assert.deepEqual(readWorkerAnswer(bytes), byFullDecode(bytes));
  assert.deepEqual(readWorkerAnswer(cases[0]!), {
    kind: 'invocationResponse',
    invocationId: 'id-after',
    status: 'Success',
  });
  assert.deepEqual(readWorkerAnswer(cases[2]!), {
    kind: 'invocationResponse',
    invocationId: 'ünïcode',
    status: 'status-7',
  });
  assert.equal(scanWorkerAnswer(cases[1]!, newAnswerScan()).kind, ANSWER_LOG);
});

test('offsets are relative to the view it is given, also a subarray of a larger buffer', () => {
  const whole = encodeMessage(
    makeMessage({
      requestId: 'r',
      content: { case: 'invocationResponse', value: { invocationId: 'abc-123', result: { status: 1 } } },
    }),
  );
  const big = Buffer.alloc(whole.length + 20, 0xff);
  big.set(whole, 7);
  const view = big.subarray(7, 7 + whole.length);
  const s = scanWorkerAnswer(view, newAnswerScan());
  assert.equal(s.kind, ANSWER_RESPONSE);
  assert.equal(s.status, 1);
  assert.equal(view.toString('latin1', s.idStart, s.idStart + s.idLen), 'abc-123');
});

test('every strict prefix of an answer is malformed and gives ANSWER_OTHER', () => {
  const bytes = encodeMessage(
    makeMessage({
      requestId: 'req-1',
      content: {
        case: 'invocationResponse',
        value: {
          invocationId: 'inv-1',
          returnValue: { data: { case: 'string', value: 'x'.repeat(200) } },
          result: { status: 1, result: 'ok' },
        },
      },
    }),
  );
  assert.equal(scanWorkerAnswer(bytes, newAnswerScan()).kind, ANSWER_RESPONSE);
  const out = newAnswerScan();
  for (let n = 0; n < bytes.length; n++)
    assertOther(scanWorkerAnswer(bytes.subarray(0, n), out), `prefix of ${n} bytes`);
});

test('malformed lengths: a member, id or status running past its parent or the message gives ANSWER_OTHER', () => {
  const id = (len: number, text: string) =>
    new BinaryWriter().tag(1, LD).uint32(len).raw(Buffer.from(text)).finish();
  const cases: Record<string, Uint8Array> = {
    'member length past the end': new BinaryWriter().tag(5, LD).uint32(50).raw(id(3, 'abc')).finish(),
    'id length past the end of the message': top(5, id(40, 'abc')),
    'id length past its member, within the message': new BinaryWriter()
      .tag(5, LD)
      .bytes(id(6, 'abc'))
      .tag(1, LD)
      .string('req')
      .finish(),
    'status member past the response': new BinaryWriter()
      .tag(5, LD)
      .bytes(
        new BinaryWriter()
          .tag(1, LD)
          .string('a')
          .tag(3, LD)
          .uint32(4)
          .raw(new Uint8Array([0x20, 1]))
          .finish(),
      )
      .tag(1, LD)
      .string('zz')
      .finish(),
    'skipped payload past its member': new BinaryWriter()
      .tag(5, LD)
      .bytes(new BinaryWriter().tag(1, LD).string('a').tag(4, LD).uint32(9).finish())
      .raw(new Uint8Array(12))
      .finish(),
    'varint running past its member': new BinaryWriter()
      .tag(2, LD)
      .bytes(
        new BinaryWriter()
          .tag(1, LD)
          .string('a')
          .tag(9, WireType.Varint)
          .raw(new Uint8Array([0x80]))
          .finish(),
      )
      .raw(new Uint8Array([0x01]))
      .finish(),
    'fixed64 past the end': top(
      5,
      new BinaryWriter().tag(1, LD).string('a').tag(8, WireType.Bit64).raw(new Uint8Array(3)).finish(),
    ),
    'truncated length varint': new Uint8Array([0x2a, 0x80]),
    'varint longer than 10 bytes': top(
      5,
      new BinaryWriter()
        .tag(1, LD)
        .string('a')
        .tag(3, LD)
        .bytes(new Uint8Array([0x20, ...new Array(10).fill(0xff), 0x01]))
        .finish(),
    ),
    'stray bytes': new Uint8Array([0xff, 0xff, 0xff]),
  };
  const out = newAnswerScan();
  for (const [why, bytes] of Object.entries(cases)) {
    scanWorkerAnswer(top(5, id(1, 'z')), out); // a good answer first: the bad one must reset every field
    assertOther(scanWorkerAnswer(bytes, out), why);
  }
});

test('malformed tags: bad wire types, field number 0 and unmatched group ends give ANSWER_OTHER', () => {
  const tag = (field: number, wt: number) => new BinaryWriter().uint32((field << 3) | wt).finish();
  const good = new BinaryWriter().tag(1, LD).string('a').finish();
  const cases: Record<string, Uint8Array> = {
    'wire type 6 at the top': Buffer.concat([tag(3, 6), top(5, good)]),
    'wire type 7 in the response': top(5, Buffer.concat([good, tag(9, 7), new Uint8Array(8)])),
    'wire type 6 in the status': top(
      5,
      Buffer.concat([
        good,
        new BinaryWriter()
          .tag(3, LD)
          .bytes(Buffer.concat([tag(4, 6), new Uint8Array([1])]))
          .finish(),
      ]),
    ),
    'an end group without its start': top(2, Buffer.concat([good, tag(7, WireType.EndGroup)])),
    'a group never closed': top(
      5,
      Buffer.concat([good, tag(7, WireType.StartGroup), tag(1, 0), new Uint8Array([1])]),
    ),
    'field number 0': Buffer.concat([tag(0, WireType.Varint), new Uint8Array([1]), top(5, good)]),
    'tag overflowing uint32': Buffer.concat([new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x7f]), top(5, good)]),
  };
  for (const [why, bytes] of Object.entries(cases))
    assertOther(scanWorkerAnswer(bytes, newAnswerScan()), why);
  assert.equal(
    scanWorkerAnswer(top(5, good), newAnswerScan()).kind,
    ANSWER_RESPONSE,
    'the good part alone reads',
  );
});

test('the first answer member counts; other kinds and a wrongly typed member give ANSWER_OTHER', () => {
  const log = new BinaryWriter().tag(1, LD).string('log-1').finish();
  const resp = new BinaryWriter().tag(1, LD).string('resp-1').finish();
  const both = Buffer.concat([top(2, log), top(5, resp)]);
  assert.deepEqual(readWorkerAnswer(both), { kind: 'rpcLog', invocationId: 'log-1' });
  assert.deepEqual(readWorkerAnswer(new BinaryWriter().tag(5, WireType.Varint).int32(3).finish()), {
    kind: 'other',
  });
  assert.deepEqual(
    readWorkerAnswer(encodeMessage(makeMessage({ content: { case: 'workerHeartbeat', value: {} } }))),
    { kind: 'other' },
  );
  assert.equal(statusName(-1), 'none');
  assert.equal(statusName(2), 'Cancelled');
});

test('answers back to back in one buffer, scanned with one AnswerScan: each read inside its own bytes', () => {
  const answer = (id: string, status: number) =>
    encodeMessage(
      makeMessage({
        content: { case: 'invocationResponse', value: { invocationId: id, result: { status } } },
      }),
    );
  const a = answer('first', 1);
  const b = answer('second', 2);
  const big = Buffer.alloc(a.length + b.length + a.length);
  big.set(a, 0);
  big.set(b, a.length);
  big.set(a, a.length + b.length);
  const scan = newAnswerScan();
  const views = [
    big.subarray(0, a.length),
    big.subarray(a.length, a.length + b.length),
    big.subarray(a.length + b.length),
  ];
  const got = views.map((v) => {
    const s = scanWorkerAnswer(v, scan);
    return [s.kind, v.toString('latin1', s.idStart, s.idStart + s.idLen), s.status];
  });
  assert.deepEqual(got, [
    [ANSWER_RESPONSE, 'first', 1],
    [ANSWER_RESPONSE, 'second', 2],
    [ANSWER_RESPONSE, 'first', 1],
  ]);
  // A cut answer followed by a whole one in the same buffer: the scan never reads on into the next.
  for (let cut = 0; cut < a.length; cut++)
    assertOther(scanWorkerAnswer(big.subarray(0, cut), scan), `first ${cut} bytes of a shared buffer`);
  // And the same AnswerScan still reads a message in another buffer afterwards.
  assert.equal(scanWorkerAnswer(answer('own', 1), scan).kind, ANSWER_RESPONSE);
});
