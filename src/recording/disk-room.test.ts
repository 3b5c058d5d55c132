import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRoomCheck, RESERVE_PAGES, roomNeeded } from './disk-room.js';

const PAGE = 16384;
const WAL = 16 * 1024 * 1024;

/** A room check over a disk with `free` bytes, where a checkpoint frees `freed` bytes. */
function disk(free: number, freed = 0, fails = false) {
  const state = { free, checkpoints: 0 };
  const check = createRoomCheck({
    free: () => state.free,
    pageSize: PAGE,
    walAllowance: WAL,
    checkpoint: () => {
      state.checkpoints++;
      if (fails) throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
      state.free += freed;
    },
  });
  return { state, check };
}

test('a batch goes ahead without a checkpoint while the WAL has room to grow to its checkpoint size', () => {
  const { state, check } = disk(roomNeeded(4096, PAGE) + WAL);
  assert.equal(check(4096), undefined);
  assert.equal(state.checkpoints, 0);
});

test('short of room for the WAL: checkpoint first, then go ahead when the batch and the reserve fit', () => {
  const { state, check } = disk(roomNeeded(4096, PAGE));
  assert.equal(check(4096), undefined);
  assert.equal(state.checkpoints, 1);
});

test('the reserve for the session records is never given to frames: the batch fails as on a full disk', () => {
  const { state, check } = disk(roomNeeded(4096, PAGE) - 1);
  const err = check(4096);
  assert.equal(err?.code, 'SQLITE_FULL');
  assert.match(
    err!.message,
    /database or disk is full \(\d+ KiB free; 128 KiB kept for the session ends and counts\)/,
  );
  assert.equal(state.checkpoints, 1);
  assert.ok(RESERVE_PAGES * PAGE < roomNeeded(0, PAGE), 'a batch needs more than the reserve alone');
});

test('a checkpoint that frees the WAL makes room; one that fails leaves the batch refused', () => {
  assert.equal(disk(100_000, roomNeeded(4096, PAGE)).check(4096), undefined);
  assert.equal(disk(100_000, 0, true).check(4096)?.code, 'SQLITE_FULL');
});

test('unknown free space (statfs not available): no check', () => {
  const check = createRoomCheck({
    free: () => undefined,
    pageSize: PAGE,
    walAllowance: WAL,
    checkpoint: () => assert.fail('no checkpoint'),
  });
  assert.equal(check(1 << 20), undefined);
});
