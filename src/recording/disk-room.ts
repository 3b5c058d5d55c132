import { statfsSync } from 'node:fs';

/**
 * Pages of disk the capture writer keeps free for the session records (ends and the
 * counts of what could not be stored): on a full disk these small writes must still fit.
 * Each commit appends every page it touched to the WAL (16 KiB pages: a session end and
 * its counts are one or two), so eight pages leave room for several such commits.
 */
export const RESERVE_PAGES = 8;

/**
 * The free disk space a batch of `batchBytes` message bytes needs before the writer tries
 * it: twice its bytes (WAL frame headers, pages split half full, index pages) plus four
 * pages of b-tree work, plus the reserve for the session records. Conservative on purpose:
 * a batch refused here is counted as not stored, as one SQLite refused would be, but it
 * never takes the room the session ends need.
 */
export function roomNeeded(batchBytes: number, pageSize: number): number {
  return 2 * batchBytes + (4 + RESERVE_PAGES) * pageSize;
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

/**
 * Why a batch of `batchBytes` is not tried (the error a full disk gives, with how much is
 * free), or undefined when there is room or the free space cannot be known.
 */
export function lowRoomError(
  free: number | undefined,
  batchBytes: number,
  pageSize: number,
): (Error & { code: string }) | undefined {
  if (free === undefined || free >= roomNeeded(batchBytes, pageSize)) return undefined;
  const kept = Math.round((RESERVE_PAGES * pageSize) / 1024);
  return Object.assign(
    new Error(
      `database or disk is full (${Math.floor(free / 1024)} KiB free; ${kept} KiB kept for the session ends and counts)`,
    ),
    {
      code: 'SQLITE_FULL',
    },
  );
}

export interface RoomCheckOptions {
  /** Free bytes where the recording lives (freeBytes of its directory). */
  free: () => number | undefined;
  pageSize: number;
  /**
   * WAL bytes that may pile up before SQLite folds them into the file by itself
   * (CHECKPOINT_BYTES): with less free space than that, `checkpoint` runs before a batch.
   */
  walAllowance: number;
  /** Fold the WAL into the file and truncate it (its space is then free again); may throw. */
  checkpoint: () => void;
}

/**
 * The capture writer's check before each batch: undefined to go ahead, or the full-disk
 * error to fail the batch with. With little free space the WAL is checkpointed first, so a
 * small disk is not filled with old page images: every 20 ms commit appends the pages it
 * touched to the WAL, and until the 16 MiB checkpoint nothing of it is reused.
 */
export function createRoomCheck(
  options: RoomCheckOptions,
): (batchBytes: number) => (Error & { code: string }) | undefined {
  return (batchBytes) => {
    const free = options.free();
    if (free === undefined || free >= roomNeeded(batchBytes, options.pageSize) + options.walAllowance)
      return undefined;
    try {
      options.checkpoint();
    } catch {
      // the file cannot grow by the pages the WAL holds: what is free stays as it is
    }
    return lowRoomError(options.free(), batchBytes, options.pageSize);
  };
}
