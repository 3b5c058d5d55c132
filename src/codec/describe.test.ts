import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, describeSpans, describeWith } from './describe.js';
import { createMessageSpans, messageSpan } from './message-reader.js';
import { secretSamples } from './redact-samples.js';
import { encodeMessage, makeMessage, decodeMessage } from './streaming-message.js';

test('describe reads kind and ids of an InvocationRequest without a full decode', () => {
  const bytes = encodeMessage(
    makeMessage({
      requestId: 'r1',
      content: {
        case: 'invocationRequest',
        value: {
          invocationId: 'inv-1',
          functionId: 'fn-1',
          inputData: [
            {
              name: 'req',
              rpcData: { case: 'data', value: { data: { case: 'string', value: 'x'.repeat(1000) } } },
            },
          ],
        },
      },
    }),
  );
  assert.deepEqual(describe(bytes), {
    kind: 'invocationRequest',
    requestId: 'r1',
    invocationId: 'inv-1',
    functionId: 'fn-1',
  });
});

test('describe covers the id-carrying kinds', () => {
  const cases = [
    [
      { case: 'startStream', value: { workerId: 'w' } },
      { kind: 'startStream', workerId: 'w' },
    ],
    [
      { case: 'invocationResponse', value: { invocationId: 'i' } },
      { kind: 'invocationResponse', invocationId: 'i' },
    ],
    [
      { case: 'invocationCancel', value: { invocationId: 'i' } },
      { kind: 'invocationCancel', invocationId: 'i' },
    ],
    [
      { case: 'rpcLog', value: { invocationId: 'i', message: 'hi' } },
      { kind: 'rpcLog', invocationId: 'i' },
    ],
    [
      { case: 'functionLoadRequest', value: { functionId: 'f' } },
      { kind: 'functionLoadRequest', functionId: 'f' },
    ],
    [
      { case: 'functionLoadResponse', value: { functionId: 'f' } },
      { kind: 'functionLoadResponse', functionId: 'f' },
    ],
    [{ case: 'workerStatusRequest', value: {} }, { kind: 'workerStatusRequest' }],
    [{ case: 'workerWarmupRequest', value: { workerDirectory: '/x' } }, { kind: 'workerWarmupRequest' }],
  ] as const;
  for (const [content, expected] of cases) {
    const bytes = encodeMessage(makeMessage({ content: content as never }));
    assert.deepEqual(describe(bytes), expected);
  }
});

test('describe never throws on garbage and says why', () => {
  const garbage = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  const d = describe(garbage);
  assert.equal(d.kind, 'unknown');
  assert.match(d.decodeError ?? '', /./);
  const truncated = encodeMessage(
    makeMessage({ content: { case: 'rpcLog', value: { message: 'hello world' } } }),
  ).slice(0, 5);
  assert.equal(describe(truncated).kind, 'unknown');
  assert.throws(() => decodeMessage(truncated));
  assert.deepEqual(describe(new Uint8Array()), { kind: 'empty' });
});

test('unknown fields alone are flagged as no known member', () => {
  const d = describe(new Uint8Array([0xa8, 0x06, 0x01])); // field 101 varint
  assert.equal(d.kind, 'unknown');
  assert.match(d.decodeError ?? '', /no known/);
});

test('well-formed messages are described on the one-reader fast path, with the same answer', () => {
  const messages = secretSamples('d').map((s) => s.bytes);
  for (const line of readFileSync(resolve('fixtures/sessions/reference-mixed.ndjson'), 'utf8').split('\n')) {
    if (line.includes('"bytes"')) messages.push(Buffer.from(JSON.parse(line).bytes as string, 'base64'));
  }
  assert.ok(messages.length > 50);
  for (const bytes of messages) {
    const span = messageSpan(bytes);
    const fast = describeSpans(span);
    assert.equal(fast.decodeError, undefined);
    assert.deepEqual(fast, describe(bytes));
    // the reader can be handed on (redaction) and reused
    assert.deepEqual(describeWith(span, bytes), fast);
  }
});

test('a content member whose field runs past it, into the bytes after it, is malformed (as with a reader per level)', () => {
  const inner = encodeMessage(
    makeMessage({ content: { case: 'rpcLog', value: { invocationId: 'abc', message: 'm' } } }),
  );
  // cut the content member's length by 2, so its last field runs into what follows (a requestId)
  const bytes = Uint8Array.from([...inner]);
  bytes[1] = bytes[1]! - 2;
  const withTail = Uint8Array.from([...bytes, 0x0a, 0x01, 0x72]);
  const d = describe(withTail);
  assert.equal(d.kind, 'unknown');
  assert.match(d.decodeError ?? '', /premature EOF/);
});

test('messages that share one ArrayBuffer (a capture batch) are described from one reader, each inside its own bytes', () => {
  const a = encodeMessage(
    makeMessage({
      requestId: 'r',
      content: { case: 'invocationResponse', value: { invocationId: 'inv-a' } },
    }),
  );
  const b = encodeMessage(
    makeMessage({ content: { case: 'rpcLog', value: { invocationId: 'inv-b', message: 'hello' } } }),
  );
  const batch = new Uint8Array(a.length + b.length + 3);
  batch.set(a, 0);
  batch.set(b, a.length);
  batch.set([0x0a, 0x01, 0x78], a.length + b.length); // bytes after the last message: never read
  const spans = createMessageSpans();
  const views = [
    batch.subarray(0, a.length),
    batch.subarray(a.length, a.length + b.length),
    batch.subarray(a.length, a.length + b.length - 2),
    batch.subarray(0, 0),
  ];
  const readers = new Set<unknown>();
  for (const view of views) {
    const span = spans(view);
    readers.add(span.reader);
    assert.deepEqual(describeWith(span, view), describe(Uint8Array.from(view)));
  }
  assert.equal(readers.size, 1, 'one reader for the batch');
  assert.equal(
    describeWith(spans(views[2]!), views[2]!).kind,
    'unknown',
    'a cut message does not read on into the next bytes',
  );
  // another buffer gets its own reader
  assert.notEqual(spans(Uint8Array.from(a)).reader, [...readers][0]);
});
