import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync, gzipSync } from 'node:zlib';
import { secretSamples } from '../codec/redact-samples.js';
import { describe } from '../codec/describe.js';
import { createRecordingWriter } from './recording-writer.js';
import { openRecording } from './open-recording.js';
import { redactInPlace } from './redact-in-place.js';
import { RecordingError } from './recording-error.js';

function fileText(path: string): Buffer {
  return Buffer.concat([path, `${path}-wal`].filter(existsSync).map((p) => readFileSync(p)));
}

function record(path: string, tag: string): ReturnType<typeof secretSamples> {
  const samples = secretSamples(tag);
  const w = createRecordingWriter(path, { redact: false });
  const id = w.addSession({
    id: 1,
    startWallMs: Date.now(),
    upstream: '127.0.0.1:1',
    path: '/p',
    metadata: {},
    functapeVersion: 't',
    schemaVersion: 't',
  });
  const dirSeq = { toHost: 0, toWorker: 0 };
  samples.forEach((s, seq) => {
    w.addFrame({
      sessionId: id,
      seq,
      dirSeq: dirSeq[s.direction]++,
      direction: s.direction,
      tNs: BigInt(seq),
      wallMs: Date.now(),
      compressed: false,
      bytes: s.bytes,
    });
  });
  w.endSession({
    id,
    endNs: 100n,
    endWallMs: Date.now(),
    status: { code: 0, details: '' },
    reason: 'completed',
  });
  w.close();
  return samples;
}

test('redact on a recording made with redaction off removes every secret from the file bytes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'functape-redact-'));
  try {
    const db = join(dir, 'r.db');
    const samples = record(db, 'inplace');
    const before = fileText(db);
    for (const s of samples.flatMap((x) => x.secrets))
      assert.ok(before.includes(s), `unredacted recording holds ${s}`);

    const dry = redactInPlace(db, {}, { dryRun: true, pageSize: 4 });
    assert.equal(dry.changed, samples.length);
    assert.deepEqual(fileText(db), before, 'a dry run changes nothing');

    const progress: number[] = [];
    const report = redactInPlace(db, {}, { pageSize: 2, onProgress: (done) => progress.push(done) });
    assert.deepEqual(progress, [2, 4, 6]);
    assert.deepEqual(report.changedByKind, {
      functionEnvironmentReloadRequest: 1,
      invocationRequest: 3,
      invocationResponse: 1,
      rpcLog: 1,
    });
    assert.equal(report.frames, samples.length);
    assert.equal(report.changed, samples.length);
    assert.equal(report.alreadyRedacted, 0);
    assert.equal(report.undecodable, 0);
    assert.ok(report.walCleared);

    const after = fileText(db);
    for (const s of samples.flatMap((x) => x.secrets))
      assert.ok(!after.includes(s), `${s} is gone from the file`);
    for (const k of samples.flatMap((x) => x.keep)) assert.ok(after.includes(k), `${k} kept`);
    assert.ok(statSync(db).mode % 0o1000 === 0o600, 'mode stays 0600');
    assert.ok(!existsSync(`${db}-wal`), 'one self-contained file again (rollback journal), no -wal left');

    const rec = openRecording(db);
    try {
      const frames = [...rec.frames(1)];
      assert.equal(frames.length, samples.length);
      frames.forEach((f, i) => {
        assert.ok(f.redacted, `frame ${i} marked redacted`);
        assert.equal(f.size, samples[i]!.bytes.length, 'wire size kept');
        assert.equal(describe(f.bytes).kind, describe(samples[i]!.bytes).kind);
      });
    } finally {
      rec.close();
    }

    const again = redactInPlace(db);
    assert.equal(again.changed, 0, 'a second run changes nothing');
    assert.equal(again.alreadyRedacted, samples.length);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('gRPC-compressed frames (gzip, deflate) are redacted in their decompressed form and stored uncompressed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'functape-redact-'));
  try {
    const db = join(dir, 'gz.db');
    const samples = secretSamples('gzip');
    const w = createRecordingWriter(db, { redact: false });
    const id = w.addSession({
      id: 1,
      startWallMs: Date.now(),
      upstream: '',
      path: '',
      metadata: {},
      functapeVersion: 't',
      schemaVersion: 't',
    });
    samples.forEach((s, seq) => {
      const bytes = seq % 2 === 0 ? gzipSync(s.bytes) : deflateSync(s.bytes);
      w.addFrame({
        sessionId: id,
        seq,
        dirSeq: seq,
        direction: 'toWorker',
        tNs: BigInt(seq),
        wallMs: Date.now(),
        compressed: true,
        bytes,
      });
    });
    w.close();
    const report = redactInPlace(db);
    assert.equal(report.changed, samples.length);
    const text = fileText(db);
    for (const s of samples.flatMap((x) => x.secrets)) assert.ok(!text.includes(s), `${s} gone`);
    const rec = openRecording(db);
    try {
      const frames = [...rec.frames(1)];
      frames.forEach((f, i) => {
        assert.ok(f.redacted && !f.compressed, 'stored redacted and uncompressed');
        assert.equal(describe(f.bytes).kind, describe(samples[i]!.bytes).kind);
        for (const k of samples[i]!.keep) assert.ok(Buffer.from(f.bytes).includes(k), `${k} kept`);
      });
    } finally {
      rec.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('redact refuses a missing or foreign file and leaves it untouched', () => {
  const dir = mkdtempSync(join(tmpdir(), 'functape-redact-'));
  try {
    assert.throws(
      () => redactInPlace(join(dir, 'none.db')),
      (e: unknown) => e instanceof RecordingError && e.reason === 'missing',
    );
    const text = join(dir, 'notes.txt');
    writeFileSync(
      text,
      'not a database at all, just some text that is long enough to sniff the header of it..........................',
    );
    const bytes = readFileSync(text);
    assert.throws(
      () => redactInPlace(text),
      (e: unknown) => e instanceof RecordingError && e.reason === 'not-sqlite',
    );
    assert.deepEqual(readFileSync(text), bytes);
    assert.ok(!existsSync(join(dir, 'none.db')), 'no file created');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
