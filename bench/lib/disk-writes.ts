import { readFileSync } from 'node:fs';

/**
 * Bytes a process has caused to be written to storage so far (`write_bytes` of
 * /proc/PID/io: counted when it dirties page-cache pages, so a page rewritten before the
 * kernel flushed it counts once). Undefined where /proc is not available.
 */
export function storageWriteBytes(pid: number): number | undefined {
  try {
    const m = readFileSync(`/proc/${pid}/io`, 'utf8').match(/^write_bytes: (\d+)$/m);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}
