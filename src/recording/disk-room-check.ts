import {
  type BatchSize,
  RESERVE_PAGES,
  batchesThatFit,
  commitRoom,
  firstWalAccount,
  learnWal,
  lowRoomError,
} from './disk-room.js';

export interface DiskRoomOptions {
  /** Free bytes where the recording lives (freeBytes of its directory; undefined: unknown). */
  free: () => number | undefined;
  /** Bytes the WAL file holds now (0 when there is none). */
  walSize: () => number;
  pageSize: number;
  /**
   * WAL bytes that may pile up before SQLite folds them into the file by itself
   * (CHECKPOINT_BYTES): with less free space than that plus a commit's room, the writer
   * keeps the WAL empty between commits itself.
   */
  walAllowance: number;
  /** Fold the WAL into the file and truncate it (its space is then free again); may throw. */
  checkpoint: () => void;
}

/** The answer for a run of queued batches: how many of the leading ones to commit together. */
export type RoomAnswer = { take: number; error?: undefined } | { take: 0; error: Error & { code: string } };

/**
 * The capture writer's full-disk account, asked before each commit and told after it.
 * Invariant while space is short (less than the WAL allowance): between commits the WAL
 * is empty, and a commit is tried only when the free space holds twice what it may append
 * to the WAL (the WAL, then the pages the checkpoint copies into the file) plus the
 * reserve of RESERVE_PAGES pages, so the checkpoint after it always fits and the reserve
 * is left for the session ends and counts. What a commit may append is learned from the
 * commits measured (WAL bytes per row byte, with margin). A checkpoint is started only
 * when the free space holds the whole WAL plus the reserve: a checkpoint that fails half
 * way has grown the file by what it copied, which would eat the reserve.
 */
export interface DiskRoom {
  /** How many of the leading `sizes` fit one commit now; 0 with the full-disk error for the first. */
  fit(sizes: readonly BatchSize[]): RoomAnswer;
  /** After committing `size` (`stored`: all of it went in): learn its WAL growth, fold the WAL in. */
  committed(size: BatchSize, stored: boolean): void;
}

export function createDiskRoom(options: DiskRoomOptions): DiskRoom {
  const reserve = RESERVE_PAGES * options.pageSize;
  const st = { account: firstWalAccount(), short: false, walBefore: 0 };
  /** Checkpoint when the whole WAL and the reserve fit; a failure leaves the WAL as it is. */
  const foldWal = (): void => {
    const wal = options.walSize();
    const free = options.free();
    if (wal === 0 || free === undefined || free < wal + reserve) return;
    try {
      options.checkpoint();
    } catch {
      // the file cannot grow by the pages the WAL holds: what is free stays as it is
    }
  };
  return {
    fit(sizes) {
      const free = options.free();
      const all = sizes.reduce((s, b) => ({ bytes: s.bytes + b.bytes, count: s.count + b.count }), {
        bytes: 0,
        count: 0,
      });
      st.short =
        free !== undefined && free < options.walAllowance + commitRoom(st.account, all, 0, options.pageSize);
      if (!st.short) return { take: sizes.length };
      foldWal();
      const left = options.free() ?? 0;
      st.walBefore = options.walSize();
      const take = batchesThatFit(st.account, sizes, left, st.walBefore, options.pageSize);
      return take > 0 ? { take } : { take: 0, error: lowRoomError(left, options.pageSize) };
    },
    committed(size, stored) {
      if (!st.short) return;
      const grown = options.walSize() - st.walBefore;
      if (stored && grown > 0) st.account = learnWal(st.account, size, grown, options.pageSize);
      foldWal();
    },
  };
}
