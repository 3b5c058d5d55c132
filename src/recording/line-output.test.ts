import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLineOutput } from './line-output.js';

function sink(highWaterMark = 16 * 1024) {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    highWaterMark,
    write(c: Buffer, _e, cb) {
      chunks.push(Buffer.from(c));
      setImmediate(cb);
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8'), chunks };
}

test('lines, texts and bytes come out in the order they were given, with backpressure', async () => {
  const s = sink(1024);
  const out = createLineOutput(s.stream, 256);
  let expected = '';
  for (let i = 0; i < 300; i++) {
    const kind = i % 3;
    if (kind === 0) {
      const wait = out.line(`line ${i} é`);
      expected += `line ${i} é\n`;
      if (wait) await wait;
    } else if (kind === 1) {
      const wait = out.text(`text ${i}\nmore ${i}\n`);
      expected += `text ${i}\nmore ${i}\n`;
      if (wait) await wait;
    } else {
      const wait = out.bytes(Buffer.from(`bytes ${i} ü\n`));
      expected += `bytes ${i} ü\n`;
      if (wait) await wait;
    }
  }
  await out.flush();
  assert.equal(s.text(), expected);
  assert.ok(s.chunks.length > 10, 'written in several chunks');
});

test('lines longer than a chunk and characters of 1 to 4 UTF-8 bytes (and a lone surrogate) come out as Buffer.from would encode them', async () => {
  const s = sink(64);
  const out = createLineOutput(s.stream, 32);
  const lines = [
    'a'.repeat(100),
    'é'.repeat(40),
    '日本'.repeat(30),
    '😀'.repeat(20),
    'lone \ud800 surrogate',
    '',
    'x',
  ];
  for (let i = 0; i < 50; i++) {
    const wait = out.line(lines[i % lines.length]!);
    if (wait) await wait;
  }
  await out.flush();
  const want = Buffer.from(
    Array.from({ length: 50 }, (_, i) => `${lines[i % lines.length]}\n`).join(''),
    'utf8',
  );
  assert.ok(Buffer.concat(s.chunks).equals(want));
});

test('a closed pipe (EPIPE) turns closed on and later output is dropped, not an error', async () => {
  let writes = 0;
  const stream = new Writable({
    write(_c, _e, cb) {
      writes++;
      const err: NodeJS.ErrnoException = new Error('write EPIPE');
      err.code = 'EPIPE';
      cb(err);
    },
  });
  const out = createLineOutput(stream, 8);
  await out.line('first line, long enough to be written');
  await new Promise((r) => setImmediate(r));
  assert.equal(out.closed, true);
  assert.equal(out.bytes(Buffer.from('dropped\n')), undefined);
  await out.flush();
  assert.equal(writes, 1);
});

test('any other write error is thrown to the producer', async () => {
  const stream = new Writable({
    write(_c, _e, cb) {
      cb(new Error('disk full'));
    },
  });
  const out = createLineOutput(stream, 8);
  await out.line('a line that is written at once');
  await new Promise((r) => setImmediate(r));
  assert.throws(() => out.bytes(Buffer.from('x\n')), /disk full/);
});

test('bytes(chunk, written): written is called once the stream is done with the chunk, or at once when it is dropped', async () => {
  const pending: Array<() => void> = [];
  const seen: string[] = [];
  const stream = new Writable({
    write(c: Buffer, _e, cb) {
      seen.push(c.toString('utf8'));
      pending.push(() => cb());
    },
  });
  const out = createLineOutput(stream, 1024);
  let done = 0;
  void out.bytes(Buffer.from('one\n'), () => done++);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(seen, ['one\n']);
  assert.equal(done, 0, 'not before the stream finished writing');
  pending.shift()!();
  await new Promise((r) => setImmediate(r));
  assert.equal(done, 1);
  let empty = 0;
  void out.bytes(new Uint8Array(0), () => empty++);
  assert.equal(empty, 1, 'nothing to write: released at once');
});

test('bytes(chunk, written) on a closed pipe: the chunk is dropped and released', async () => {
  const stream = new Writable({
    write(_c, _e, cb) {
      const err: NodeJS.ErrnoException = new Error('write EPIPE');
      err.code = 'EPIPE';
      cb(err);
    },
  });
  const out = createLineOutput(stream, 8);
  let released = 0;
  void out.bytes(Buffer.from('first\n'), () => released++);
  await new Promise((r) => setImmediate(r));
  assert.equal(out.closed, true);
  assert.equal(released, 1, 'a failed write still hands the chunk back');
  assert.equal(
    out.bytes(Buffer.from('dropped\n'), () => released++),
    undefined,
  );
  assert.equal(released, 2);
});
