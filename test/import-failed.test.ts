// A failed import leaves an existing recording byte for byte as it was: not only its
// content, its header too (the switch to WAL rewrites header bytes 18-19), and also when
// the import's transaction grew past SQLite's page cache and spilled into the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importNdjson, NdjsonError } from '../src/recording/index.js';
import { frameLine, sessionLine } from '../src/codec/ndjson.js';
import { tempDir } from './helpers/raw-peers.js';
import { writeSampleRecording } from './recording-sample.js';

const T0 = Date.UTC(2026, 0, 3);

/** A session of `count` unknown messages of `size` bytes each, then a line that is not NDJSON. */
function* badImport(count: number, size: number): Generator<string> {
  yield sessionLine({
    id: 7,
    startWallMs: T0,
    upstream: '',
    path: '',
    metadata: {},
    functapeVersion: 'x',
    schemaVersion: '1',
  });
  for (let seq = 0; seq < count; seq++) {
    const bytes = Buffer.alloc(size, seq % 251);
    yield frameLine({
      sessionId: 7,
      seq,
      dirSeq: seq,
      direction: 'toHost',
      tNs: BigInt(seq),
      wallMs: T0 + seq,
      compressed: false,
      bytes,
      kind: 'unknown',
      size,
      redacted: false,
    });
  }
  yield '{ this is not json';
}

test('a failed import leaves an existing recording byte-identical, header included', async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  for (const [name, count, size] of [
    ['small', 3, 100],
    ['spilled', 200, 128 * 1024],
  ] as const) {
    const db = join(tmp.dir, `${name}.db`);
    writeSampleRecording(db);
    const before = readFileSync(db);
    await assert.rejects(importNdjson(db, badImport(count, size)), NdjsonError, name);
    assert.deepEqual(readFileSync(db), before, `${name}: the file is byte-identical`);
    assert.deepEqual(
      readdirSync(tmp.dir).filter((f) => f.startsWith(`${name}.db-`)),
      [],
      `${name}: no -wal, -shm or -journal left`,
    );
  }
});
