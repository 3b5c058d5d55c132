// Worker thread of recording-concurrent-open.test.ts: for each round, waits until every
// thread has arrived (a spin barrier on shared memory), then opens the round's (new) file
// for writing at the same moment as the others, adds one session and closes it. Reports
// each failure's message to the parent.
import { parentPort, workerData } from 'node:worker_threads';
import { join } from 'node:path';
import { createRecordingWriter } from '../../src/recording/recording-writer.js';

const { dir, barrier, thread, threads, rounds } = workerData as {
  dir: string;
  barrier: SharedArrayBuffer;
  thread: number;
  threads: number;
  rounds: number;
};
const arrived = new Int32Array(barrier);
for (let r = 0; r < rounds; r++) {
  Atomics.add(arrived, r, 1);
  while (Atomics.load(arrived, r) < threads) {
    // everyone opens together
  }
  try {
    const w = createRecordingWriter(join(dir, `round-${r}.db`));
    w.addSession({
      id: thread + 1,
      startWallMs: Date.now(),
      upstream: '',
      path: '',
      metadata: {},
      functapeVersion: '',
      schemaVersion: '',
    });
    w.close();
  } catch (err) {
    parentPort!.postMessage(
      `round ${r}, thread ${thread}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}
