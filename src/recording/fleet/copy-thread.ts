/**
 * The thread of `copyThread`: reads one session's frames with its own read-only connection
 * and writes them as COPY binary rows (copyRows), so that the file is read and encoded while
 * the main thread sends the previous buffer and the server takes it. Per chunk request it
 * posts the buffers (transferred, not copied) then the chunk's counts and invocation rows.
 * At most AHEAD buffers are in flight: the main thread counts them down in `gate`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { StoredFrame } from '../../model/frame.js';
import { openRecording } from '../open-recording.js';
import { copyRows } from './copy-rows.js';
import type { FromCopyThread, ToCopyThread } from './copy-stream.js';
import { invocationFold } from './invocation-fold.js';

const port = parentPort!;
const { path, sessionId, uuid, startUs, gate } = workerData as {
  path: string;
  sessionId: number;
  uuid: string;
  startUs: bigint;
  gate: SharedArrayBuffer;
};
/** [0]: buffers posted and not yet taken by the main thread; [1]: 1 once the main thread gave up. */
const shared = new Int32Array(gate);
const AHEAD = 4;
const post = (m: FromCopyThread, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

/** Wait until fewer than AHEAD buffers are in flight; false when the main thread gave up. */
function room(): boolean {
  for (;;) {
    if (Atomics.load(shared, 1) === 1) return false;
    const n = Atomics.load(shared, 0);
    if (n < AHEAD) return true;
    Atomics.wait(shared, 0, n, 100);
  }
}

function chunk(from: number, max: number): void {
  const counts = { toHost: 0, toWorker: 0, frames: 0, bytes: 0, next: from };
  const invocations = invocationFold();
  function* upToMax(): Generator<StoredFrame> {
    for (const f of rec.frames(sessionId, { afterSeq: from - 1 })) {
      yield f;
      if (++counts.frames >= max) return;
    }
  }
  const count = (f: StoredFrame, status: number | undefined) => {
    invocations.add(f, status);
    if (f.direction === 'toHost') counts.toHost++;
    else counts.toWorker++;
    counts.bytes += f.bytes.byteLength;
    counts.next = f.seq + 1;
  };
  for (const buf of copyRows(uuid, startUs, upToMax(), count)) {
    if (!room()) return;
    Atomics.add(shared, 0, 1);
    const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    post({ type: 'data', bytes }, [buf.buffer as ArrayBuffer]);
  }
  post({ type: 'end', counts, invocations: invocations.params() });
}

const rec = openRecording(path);
port.on('message', (m: ToCopyThread) => {
  try {
    chunk(m.from, m.max);
  } catch (err) {
    post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  }
});
