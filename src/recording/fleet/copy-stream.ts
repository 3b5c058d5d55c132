import { Worker } from 'node:worker_threads';
import { RecordingError } from '../recording-error.js';

/** Main thread → copy thread. */
export type ToCopyThread = { type: 'chunk'; from: number; max: number };
/** What one chunk held: its frames each way, their message bytes, the seq after the last. */
export interface ChunkCounts {
  toHost: number;
  toWorker: number;
  frames: number;
  bytes: number;
  next: number;
}
/** Copy thread → main thread. */
export type FromCopyThread =
  | { type: 'data'; bytes: Uint8Array }
  | { type: 'end'; counts: ChunkCounts; invocations: unknown[][] }
  | { type: 'error'; message: string };

/** One chunk: the COPY data to send, then (once it is all taken) its counts and invocation rows. */
export interface CopyChunk {
  rows: AsyncGenerator<Uint8Array>;
  /** Set when `rows` has ended. */
  end(): Extract<FromCopyThread, { type: 'end' }>;
}

/**
 * A thread that reads session `sessionId` of the recording at `path` and encodes its frames
 * as COPY binary rows (see copy-thread.ts), chunk by chunk, one chunk at a time. The caller
 * must `close()` it. Reading on another thread lets the file be read while the server takes
 * the rows already sent, instead of one after the other.
 */
export function copyThread(path: string, sessionId: number, uuid: string, startUs: bigint) {
  const gate = new SharedArrayBuffer(8);
  const shared = new Int32Array(gate);
  const worker = new Worker(new URL('./copy-thread.js', import.meta.url), {
    workerData: { path, sessionId, uuid, startUs, gate },
  });
  const queue: FromCopyThread[] = [];
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  worker.on('message', (m: FromCopyThread) => {
    queue.push(m);
    notify();
  });
  worker.on('error', (err) => {
    failure ??= err;
    notify();
  });
  const next = async (): Promise<FromCopyThread> => {
    for (;;) {
      if (failure) throw failure;
      const m = queue.shift();
      if (m) return m;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  };
  return {
    chunk(from: number, max: number): CopyChunk {
      let end: Extract<FromCopyThread, { type: 'end' }> | undefined;
      async function* rows(): AsyncGenerator<Uint8Array> {
        worker.postMessage({ type: 'chunk', from, max } satisfies ToCopyThread);
        for (;;) {
          const m = await next();
          if (m.type === 'error') throw new RecordingError(`${path}: ${m.message}`, 'corrupt', path);
          if (m.type === 'end') {
            end = m;
            return;
          }
          Atomics.sub(shared, 0, 1);
          Atomics.notify(shared, 0);
          yield m.bytes;
        }
      }
      return {
        rows: rows(),
        end: () => {
          if (!end) throw new Error('copyThread: the chunk has not ended');
          return end;
        },
      };
    },
    /** Stop the thread, wherever it is (a chunk cut off half-way included). */
    async close(): Promise<void> {
      Atomics.store(shared, 1, 1);
      Atomics.notify(shared, 0);
      await worker.terminate();
    },
  };
}
