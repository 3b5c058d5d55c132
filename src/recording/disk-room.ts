import { statfsSync } from 'node:fs';

/**
 * Pages of disk the capture writer keeps free for the session records (ends and the
 * counts of what could not be stored): on a full disk these small writes must still fit.
 * Each commit appends every page it touched to the WAL (16 KiB pages: a session end and
 * its counts are one or two), so eight pages leave room for several such commits.
 */
export const RESERVE_PAGES = 8;

/** Pages a commit may touch besides its rows' leaf pages (page 1, interior pages, the session row). */
const COMMIT_PAGES = 4;
/** Bytes a frame row takes besides its message bytes (ids, stamps, kind, cell header). */
const ROW_BYTES = 64;
/**
 * WAL bytes per row byte assumed before commits have been measured. Measured: 1.08 for
 * rows of 400 B on 16 KiB pages (1.36 with the margin).
 */
const FIRST_WAL_PER_BYTE = 1.5;
/** Margin on a measured WAL growth: the next commit's pages may split less evenly. */
const MARGIN = 1.25;

/** What a batch (or a group of batches) holds, for sizing its commit. */
export interface BatchSize {
  bytes: number;
  count: number;
}

/** What the writer has learned of its commits: WAL bytes appended per row byte. */
export interface WalAccount {
  walPerByte: number;
}

export function firstWalAccount(): WalAccount {
  return { walPerByte: FIRST_WAL_PER_BYTE };
}

/** The WAL bytes a commit of `size` is expected to append (an upper bound, with margin). */
export function walEstimate(account: WalAccount, size: BatchSize, pageSize: number): number {
  return account.walPerByte * (size.bytes + ROW_BYTES * size.count) + COMMIT_PAGES * pageSize;
}

/**
 * The account after a commit of `size` that appended `walGrowth` bytes to the WAL: a
 * commit that appended more per row byte than assumed raises the estimate (with margin);
 * the estimate never goes down.
 */
export function learnWal(
  account: WalAccount,
  size: BatchSize,
  walGrowth: number,
  pageSize: number,
): WalAccount {
  const rowBytes = size.bytes + ROW_BYTES * size.count;
  if (rowBytes <= 0) return account;
  const seen = (MARGIN * Math.max(0, walGrowth - COMMIT_PAGES * pageSize)) / rowBytes;
  return seen > account.walPerByte ? { walPerByte: seen } : account;
}

/**
 * Free bytes a commit of `size` needs while the WAL holds `wal` bytes: the commit appends
 * its pages to the WAL, then the checkpoint that follows copies them into the file before
 * it truncates the WAL (both at once, at the peak), and the reserve stays untouched.
 */
export function commitRoom(account: WalAccount, size: BatchSize, wal: number, pageSize: number): number {
  return wal + 2 * walEstimate(account, size, pageSize) + RESERVE_PAGES * pageSize;
}

/**
 * How many of the leading `sizes` fit one commit with `free` bytes free while the WAL
 * holds `wal` bytes (0: not even the first).
 */
export function batchesThatFit(
  account: WalAccount,
  sizes: readonly BatchSize[],
  free: number,
  wal: number,
  pageSize: number,
): number {
  const sum = { bytes: 0, count: 0 };
  let n = 0;
  for (const s of sizes) {
    sum.bytes += s.bytes;
    sum.count += s.count;
    if (commitRoom(account, sum, wal, pageSize) > free) break;
    n++;
  }
  return n;
}

/** Bytes an unprivileged process may still write on the file system of `dir` (undefined: unknown). */
export function freeBytes(dir: string): number | undefined {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}

/** The error a batch refused for want of room fails with: as on a full disk, with how much is free. */
export function lowRoomError(free: number, pageSize: number): Error & { code: string } {
  const kept = Math.round((RESERVE_PAGES * pageSize) / 1024);
  return Object.assign(
    new Error(
      `database or disk is full (${Math.floor(free / 1024)} KiB free; ${kept} KiB kept for the session ends and counts)`,
    ),
    { code: 'SQLITE_FULL' },
  );
}
