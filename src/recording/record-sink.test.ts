import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { gzipSync } from 'node:zlib';
import { encodeMessage, makeMessage } from '../codec/streaming-message.js';
import type { Frame } from '../model/frame.js';
import { createRecordSink } from './record-sink.js';
import { migrate } from './schema.js';

const bytes = encodeMessage(
  makeMessage({ content: { case: 'invocationRequest', value: { invocationId: 'i', functionId: 'f' } } }),
);
const frame = (seq: number): Frame => ({
  sessionId: 1,
  seq,
  dirSeq: seq,
  direction: 'toWorker',
  tNs: BigInt(seq),
  wallMs: 1,
  compressed: false,
  bytes,
});

function db(): Database.Database {
  const d = new Database(':memory:');
  migrate(d);
  return d;
}

test('a redactor that throws: the frame keeps its place and index, its payload is not stored, the batch survives', () => {
  const d = db();
  const sink = createRecordSink(d, (_b, _k) => {
    throw new Error('walker bug');
  });
  sink.run(() => {
    sink.start({
      id: 1,
      startWallMs: 1,
      upstream: '',
      path: '',
      metadata: {},
      functapeVersion: '',
      schemaVersion: '',
    });
    sink.frame(frame(0));
    sink.frame(frame(1));
  });
  const rows = d
    .prepare(
      'SELECT seq, kind, invocation_id, size, length(bytes) AS len, redacted, decode_error FROM frames ORDER BY seq',
    )
    .all();
  assert.deepEqual(
    rows,
    [0, 1].map((seq) => ({
      seq,
      kind: 'invocationRequest',
      invocation_id: 'i',
      size: bytes.length,
      len: 0,
      redacted: 1,
      decode_error: 'redaction failed, payload not stored: walker bug',
    })),
  );
  assert.deepEqual(d.prepare('SELECT to_host, to_worker FROM sessions').get(), { to_host: 0, to_worker: 2 });
});

test('a failed transaction adds no counts and forgets the worker id it saw', () => {
  const d = db();
  const sink = createRecordSink(d, false);
  sink.run(() =>
    sink.start({
      id: 1,
      startWallMs: 1,
      upstream: '',
      path: '',
      metadata: {},
      functapeVersion: '',
      schemaVersion: '',
    }),
  );
  const start = encodeMessage(makeMessage({ content: { case: 'startStream', value: { workerId: 'W' } } }));
  assert.throws(() =>
    sink.run(() => {
      sink.frame({ ...frame(0), direction: 'toHost', bytes: start });
      throw new Error('disk full');
    }),
  );
  assert.deepEqual(d.prepare('SELECT to_host, to_worker, worker_id FROM sessions').get(), {
    to_host: 0,
    to_worker: 0,
    worker_id: null,
  });
  sink.run(() => sink.frame({ ...frame(0), direction: 'toHost', bytes: start }));
  assert.deepEqual(d.prepare('SELECT to_host, to_worker, worker_id FROM sessions').get(), {
    to_host: 1,
    to_worker: 0,
    worker_id: 'W',
  });
});

test('a gzip-compressed message is indexed decompressed; kept as wire bytes unless redaction must replace it', () => {
  const d = db();
  const sink = createRecordSink(d, {});
  const reload = encodeMessage(
    makeMessage({
      content: {
        case: 'functionEnvironmentReloadRequest',
        value: { environmentVariables: { AzureWebJobsStorage: 'AccountKey=s3cr3t-value' } },
      },
    }),
  );
  const zipped = gzipSync(bytes);
  sink.run(() => {
    sink.start({
      id: 1,
      startWallMs: 1,
      upstream: '',
      path: '',
      metadata: {},
      functapeVersion: '',
      schemaVersion: '',
    });
    sink.frame({ ...frame(0), compressed: true, bytes: zipped });
    sink.frame({ ...frame(1), compressed: true, bytes: gzipSync(reload) });
  });
  const rows = d
    .prepare('SELECT seq, kind, invocation_id, compressed, redacted, bytes FROM frames ORDER BY seq')
    .all() as Array<Record<string, unknown>>;
  assert.deepEqual(
    rows.map((r) => [r.kind, r.invocation_id, r.compressed, r.redacted]),
    [
      ['invocationRequest', 'i', 1, 0],
      ['functionEnvironmentReloadRequest', null, 0, 1],
    ],
  );
  assert.deepEqual(rows[0]!.bytes, zipped, 'wire bytes kept');
  assert.ok(
    !(rows[1]!.bytes as Buffer).includes('s3cr3t-value'),
    'the secret inside a compressed message is redacted',
  );
});
