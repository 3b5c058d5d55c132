import { Worker } from 'node:worker_threads';
import { RecordingError } from './recording-error.js';

/** Main thread → export thread. `buffer`: a buffer the thread filled, written and handed back for reuse. */
export type ToExportThread =
  | { type: 'window'; window: number; from: number; to: number }
  | { type: 'buffer'; buffer: ArrayBuffer }
  | { type: 'close' };
/** Export thread → main thread. */
export type FromExportThread =
  | { type: 'text'; window: number; bytes: Uint8Array; count: number }
  | { type: 'error'; message: string };

export interface ParallelExportOptions {
  /** Worker threads (at least 1). */
  threads: number;
  /** seq numbers per window (default 2048). */
  window?: number;
  /** Windows converted ahead of the writer (bounds memory; default 2 per thread). */
  ahead?: number;
  /** Stop early (e.g. the output pipe closed, or a signal). */
  stopped?: () => boolean;
}

/**
 * Export the message lines of seq 0..lastSeq of one session using several threads:
 * the seq range is cut into fixed windows, each converted to NDJSON text on a worker
 * thread, and `write` receives their UTF-8 bytes strictly in seq order (each window's
 * lines, each ending with a newline; transferred from the thread, not copied). Output is
 * identical to converting frame by frame on one thread. At most `ahead` windows are in memory.
 * Returns the number of message lines written.
 *
 * `write` calls `release()` once it no longer needs the bytes (the stream has written them):
 * their buffer then goes back to the thread that filled it, which fills it again, so the
 * same few buffers carry the whole export and none is left for the main thread's GC to
 * free (this thread allocates so little that V8 would let ~64 MB of dead transferred
 * buffers pile up between its collections). Bytes never released are left to GC.
 */
export async function parallelExport(
  path: string,
  sessionId: number,
  lastSeq: number,
  write: (bytes: Uint8Array, release: () => void) => Promise<void> | undefined,
  options: ParallelExportOptions,
): Promise<number> {
  const size = options.window ?? 2048;
  const windows = Math.floor(lastSeq / size) + 1;
  const threads = Math.max(1, Math.min(options.threads, windows));
  const ahead = Math.max(1, options.ahead ?? threads * 2);
  // V8's default heap limits: a young generation of 24 MB (8 MB semi-spaces) instead of 48
  // saved ~16 MB per thread but cost 5-10% of a thread's speed (more scavenges of the same
  // survivors); the old generation must be free to grow for windows of huge messages.
  const workers = Array.from(
    { length: threads },
    () => new Worker(new URL('./export-thread.js', import.meta.url), { workerData: { path, sessionId } }),
  );
  const done = new Map<number, { bytes: Uint8Array; count: number }>();
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  for (const w of workers) {
    w.on('message', (m: FromExportThread) => {
      if (m.type === 'text') done.set(m.window, { bytes: m.bytes, count: m.count });
      else failure ??= new RecordingError(`${path}: ${m.message}`, 'corrupt', path);
      notify();
    });
    w.on('error', (err) => {
      failure ??= err;
      notify();
    });
  }
  let finished = false;
  /** Hands a window's buffer back to the thread that filled it (once; not after the end). */
  const releaser = (window: number, buffer: ArrayBufferLike) => {
    let released = false;
    return () => {
      if (released || finished) return;
      released = true;
      const message: ToExportThread = { type: 'buffer', buffer: buffer as ArrayBuffer };
      workers[window % threads]!.postMessage(message, [buffer as ArrayBuffer]);
    };
  };
  let sent = 0;
  let lines = 0;
  const send = () => {
    while (sent < windows && sent < next + ahead) {
      const message: ToExportThread = {
        type: 'window',
        window: sent,
        from: sent * size,
        to: (sent + 1) * size,
      };
      workers[sent % threads]!.postMessage(message);
      sent++;
    }
  };
  let next = 0;
  try {
    send();
    while (next < windows) {
      if (failure) throw failure;
      if (options.stopped?.()) break;
      const ready = done.get(next);
      if (!ready) {
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      done.delete(next);
      next++;
      send();
      lines += ready.count;
      const release = releaser(next - 1, ready.bytes.buffer);
      if (ready.bytes.length > 0) {
        const wait = write(ready.bytes, release);
        if (wait) await wait;
      } else release();
    }
  } finally {
    finished = true;
    for (const w of workers) {
      w.postMessage({ type: 'close' } satisfies ToExportThread);
      void w.terminate();
    }
  }
  return lines;
}
