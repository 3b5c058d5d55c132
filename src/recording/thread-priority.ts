import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** What lowering a thread's priority needs from the system (injected by tests). */
export interface ThreadPriorityOs {
  /** The calling thread's kernel id; throws where there is none to be had. */
  threadId(): number;
  getPriority(id: number): number;
  setPriority(id: number, nice: number): void;
}

/** Linux: /proc/thread-self names the calling thread, and setpriority(PRIO_PROCESS, tid) acts on that thread alone. */
export const linuxThreadOs: ThreadPriorityOs = {
  threadId() {
    const link = readlinkSync('/proc/thread-self'); // "<pid>/task/<tid>"
    const tid = Number(link.slice(link.lastIndexOf('/') + 1));
    if (!Number.isInteger(tid) || tid <= 0) throw new Error(`unexpected /proc/thread-self: ${link}`);
    return tid;
  },
  getPriority: (id) => getPriority(id),
  setPriority: (id, nice) => setPriority(id, nice),
};

export type ThreadPriorityResult =
  | { lowered: true; tid: number; from: number; to: number }
  | { lowered: false; reason: string };

/**
 * Give the calling thread (only it, not the rest of the process) the nice value `nice`
 * when that lowers its priority, so that on a busy machine the other threads (the proxy's
 * relay) get the CPU first. Never raises a priority, never throws: where this is not
 * possible (not Linux, not permitted, a sandbox) the thread simply keeps its priority.
 */
export function lowerThreadPriority(
  nice: number,
  os: ThreadPriorityOs = linuxThreadOs,
): ThreadPriorityResult {
  try {
    const tid = os.threadId();
    const from = os.getPriority(tid);
    if (from >= nice) return { lowered: false, reason: `already at nice ${from}` };
    os.setPriority(tid, nice);
    return { lowered: true, tid, from, to: nice };
  } catch (err) {
    return { lowered: false, reason: err instanceof Error ? err.message : String(err) };
  }
}
