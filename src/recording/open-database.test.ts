import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from './schema.js';
import {
  CHECKPOINT_BYTES,
  MIN_MAX_BYTES,
  NEW_FILE_PAGE_SIZE,
  openForWriting,
  pageSizeForNewFile,
} from './open-database.js';
import { openRecording } from './open-recording.js';

function withDir(run: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'functape-open-'));
  try {
    run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a new recording gets 16 KiB pages, WAL, and a checkpoint every 16 MiB of WAL', () => {
  withDir((dir) => {
    const db = openForWriting(join(dir, 'new.db'));
    assert.equal(db.pragma('page_size', { simple: true }), NEW_FILE_PAGE_SIZE);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), CHECKPOINT_BYTES / NEW_FILE_PAGE_SIZE);
    db.close();
  });
});

test('an existing recording keeps its page size, and its checkpoint threshold follows it', () => {
  withDir((dir) => {
    const path = join(dir, 'old.db');
    const old = new Database(path);
    old.pragma('page_size = 65536');
    old.pragma('journal_mode = WAL');
    migrate(old); // a recording made with other pages than today's (64 KiB)
    old.close();
    const db = openForWriting(path);
    assert.equal(db.pragma('page_size', { simple: true }), 65536);
    assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), CHECKPOINT_BYTES / 65536);
    db.close();
  });
});

test("--max-db-bytes becomes a page count of the file's own page size", () => {
  withDir((dir) => {
    const big = openForWriting(join(dir, 'big.db'), { maxBytes: 1000 * NEW_FILE_PAGE_SIZE + 100 });
    assert.equal(big.pragma('page_size', { simple: true }), NEW_FILE_PAGE_SIZE);
    assert.equal(big.pragma('max_page_count', { simple: true }), 1000);
    big.close();
    // A small cap gets smaller pages, so that it holds more than the empty schema.
    const small = openForWriting(join(dir, 'small.db'), { maxBytes: 256 * 1024 });
    assert.equal(small.pragma('page_size', { simple: true }), 4096);
    assert.equal(small.pragma('max_page_count', { simple: true }), 64);
    small.close();
  });
});

test('pageSizeForNewFile: 16 KiB unless the cap leaves fewer than 256 such pages; never below 4 KiB', () => {
  assert.equal(pageSizeForNewFile(), 16384);
  assert.equal(pageSizeForNewFile(4 * 1024 * 1024), 16384);
  assert.equal(pageSizeForNewFile(4 * 1024 * 1024 - 1), 8192);
  assert.equal(pageSizeForNewFile(2 * 1024 * 1024), 8192);
  assert.equal(pageSizeForNewFile(1000), 4096);
});

test('a size cap too small for a recording is refused before any file is created', () => {
  withDir((dir) => {
    const path = join(dir, 'tiny.db');
    for (const cap of [4096, 8192, 16384, MIN_MAX_BYTES - 1]) {
      assert.throws(
        () => openForWriting(path, { maxBytes: cap }),
        /cannot hold a recording \(at least 64K\)/,
      );
      assert.deepEqual(readdirSync(dir), [], `cap ${cap}: nothing created`);
    }
    const db = openForWriting(path, { maxBytes: MIN_MAX_BYTES });
    db.close();
    const recording = openRecording(path);
    assert.equal(recording.sessions().length, 0, 'the smallest accepted cap makes a file every reader opens');
    recording.close();
  });
});

test('a new file that cannot be set up is removed, not left for readers to reject', () => {
  withDir((dir) => {
    const path = join(dir, 'blocked.db');
    mkdirSync(`${path}-wal`); // SQLite cannot create its WAL
    assert.throws(() => openForWriting(path));
    assert.deepEqual(readdirSync(dir), ['blocked.db-wal'], 'the half-made database is gone');
  });
});
