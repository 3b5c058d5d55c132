import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDiskRoom } from './disk-room-check.js';
import {
  RESERVE_PAGES,
  batchesThatFit,
  commitRoom,
  firstWalAccount,
  learnWal,
  walEstimate,
} from './disk-room.js';

const PAGE = 16384;
const RESERVE = RESERVE_PAGES * PAGE;
const WAL_ALLOWANCE = 16 * 1024 * 1024;

/**
 * A small disk as SQLite uses it: a commit appends `walPerByte` × its bytes to the WAL
 * (failing, and keeping what it appended, when the disk is full); a checkpoint grows the
 * file by the new pages the WAL holds (its rows), then truncates the WAL, or fails half way
 * (the file grew into what was left, the WAL stays).
 */
function fakeDisk(free: number, walPerByte: number) {
  const d = { free, wal: 0, newPages: 0, checkpoints: 0, fullCheckpoints: 0 };
  const room = createDiskRoom({
    free: () => d.free,
    walSize: () => d.wal,
    pageSize: PAGE,
    walAllowance: WAL_ALLOWANCE,
    checkpoint: () => {
      d.checkpoints++;
      if (d.free < d.newPages) {
        d.fullCheckpoints++;
        d.newPages -= d.free;
        d.free = 0;
        throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
      }
      d.free += d.wal - d.newPages;
      d.wal = 0;
      d.newPages = 0;
    },
  });
  const commit = (bytes: number, count: number): boolean => {
    const grown = Math.ceil((walPerByte * bytes) / PAGE + 1) * PAGE;
    const stored = grown <= d.free;
    const used = Math.min(grown, d.free);
    d.free -= used;
    d.wal += used;
    if (stored) d.newPages += Math.ceil((1.1 * bytes) / PAGE) * PAGE;
    room.committed({ bytes, count }, stored);
    return stored;
  };
  return { d, room, commit };
}

test('plenty of room (the WAL may grow to its checkpoint size): every queued batch in one commit, no checkpoint', () => {
  const disk = fakeDisk(WAL_ALLOWANCE + 10 * 1024 * 1024, 1.44);
  const sizes = [
    { bytes: 300_000, count: 750 },
    { bytes: 300_000, count: 750 },
  ];
  assert.deepEqual(disk.room.fit(sizes), { take: 2 });
  disk.commit(600_000, 1500);
  assert.equal(disk.d.checkpoints, 0);
  assert.equal(disk.d.wal > 0, true, 'the WAL is left to SQLite');
});

test('short of room: a commit is tried only when it, the checkpoint after it and the reserve fit', () => {
  // The case seen on a 1 MiB tmpfs with a 100 ms batch window: 881 frames of 400 B appended
  // 508,680 B to the WAL with 917,504 B free; the checkpoint after it then filled the disk.
  const disk = fakeDisk(917_504, 1.44);
  const answer = disk.room.fit([{ bytes: 352_400, count: 881 }]);
  assert.equal(answer.take, 0);
  assert.equal(answer.error?.code, 'SQLITE_FULL');
  assert.match(answer.error!.message, /\(896 KiB free; 128 KiB kept for the session ends and counts\)/);
  assert.deepEqual(disk.room.fit([{ bytes: 100_000, count: 250 }]), { take: 1 });
});

test('a run of small batches until the disk is full: the WAL is folded after each commit and the reserve is never touched', () => {
  const disk = fakeDisk(900_000, 1.44);
  let stored = 0;
  let refused = 0;
  for (let i = 0; i < 200; i++) {
    const batch = { bytes: 40_000 + (i % 7) * 9_000, count: 100 + (i % 7) * 22 };
    const answer = disk.room.fit([batch]);
    if (answer.take === 0) {
      refused++;
      continue;
    }
    assert.equal(disk.commit(batch.bytes, batch.count), true, `batch ${i} fit as promised`);
    stored++;
    assert.equal(disk.d.wal, 0, `the WAL is empty after commit ${i}`);
    assert.ok(disk.d.free >= RESERVE, `the reserve is free after commit ${i}`);
  }
  assert.ok(stored > 0 && refused > 0, `${stored} stored, ${refused} refused`);
  assert.equal(disk.d.fullCheckpoints, 0, 'no checkpoint ran out of room');
});

test('several queued batches: as many of the leading ones as fit go into one commit', () => {
  const disk = fakeDisk(1_000_000, 1.2);
  const sizes = Array.from({ length: 6 }, () => ({ bytes: 60_000, count: 150 }));
  const answer = disk.room.fit(sizes);
  assert.ok(answer.take > 0 && answer.take < 6, `took ${answer.take}`);
  assert.equal(answer.take, batchesThatFit(firstWalAccount(), sizes, 1_000_000, 0, PAGE));
});

test('the WAL is checkpointed before a commit only when the whole WAL and the reserve fit', () => {
  const tight = fakeDisk(300_000, 1.44);
  tight.d.wal = 250_000; // free < WAL + reserve: a checkpoint could eat the reserve
  tight.d.newPages = 250_000;
  assert.equal(tight.room.fit([{ bytes: 1_000, count: 2 }]).take, 0);
  assert.equal(tight.d.checkpoints, 0);
  const roomy = fakeDisk(600_000, 1.44);
  roomy.d.wal = 250_000;
  roomy.d.newPages = 250_000;
  assert.equal(roomy.room.fit([{ bytes: 1_000, count: 2 }]).take, 1);
  assert.equal(roomy.d.checkpoints, 1);
  assert.equal(roomy.d.wal, 0);
});

test('unknown free space (statfs not available): no check, no checkpoint', () => {
  const room = createDiskRoom({
    free: () => undefined,
    walSize: () => 1 << 20,
    pageSize: PAGE,
    walAllowance: WAL_ALLOWANCE,
    checkpoint: () => assert.fail('no checkpoint'),
  });
  assert.deepEqual(room.fit([{ bytes: 1 << 20, count: 10 }]), { take: 1 });
  room.committed({ bytes: 1 << 20, count: 10 }, true);
});

test('the WAL estimate: learned upwards from what commits appended, never down', () => {
  const first = firstWalAccount();
  const size = { bytes: 352_400, count: 881 };
  const raised = learnWal(first, size, 4 * PAGE + 2 * (352_400 + 64 * 881), PAGE);
  assert.equal(raised.walPerByte, 2.5, 'twice the row bytes, with a 1.25 margin');
  assert.equal(learnWal(raised, size, PAGE, PAGE), raised, 'a smaller commit lowers nothing');
  assert.ok(walEstimate(raised, size, PAGE) > walEstimate(first, size, PAGE));
  assert.equal(
    commitRoom(first, size, 1000, PAGE),
    1000 + 2 * walEstimate(first, size, PAGE) + RESERVE,
    'the WAL, twice the commit, the reserve',
  );
});
