// Child process for recording-sigkill.test.ts: records frames as fast as a proxy might,
// printing `stored N` each time the first N frames are known to be committed, until killed.
import { encodeMessage, makeMessage } from '../src/codec/streaming-message.js';
import { openCaptureStore } from '../src/recording/capture-store.js';

const path = process.argv[2]!;
const store = await openCaptureStore(path, { tuning: { batchMs: 10 } });
const id = store.allocateSessionId();
store.write({
  type: 'session-start',
  session: {
    id,
    startWallMs: Date.now(),
    upstream: 'u',
    path: '/p',
    metadata: {},
    functapeVersion: '0',
    schemaVersion: '0',
  },
});
const t0 = process.hrtime.bigint();
let seq = 0;
function pump(): void {
  for (let i = 0; i < 50; i++) {
    const bytes = encodeMessage(
      makeMessage({
        content: { case: 'invocationRequest', value: { invocationId: `inv-${seq}`, functionId: 'f' } },
      }),
    );
    store.write({
      type: 'frame',
      frame: {
        sessionId: id,
        seq,
        dirSeq: seq,
        direction: 'toWorker',
        tNs: process.hrtime.bigint() - t0,
        wallMs: Date.now(),
        compressed: false,
        bytes,
      },
    });
    seq++;
  }
  if (seq % 500 === 0) {
    const n = seq;
    void store.flush().then(() => process.stdout.write(`stored ${n}\n`));
  }
  setTimeout(pump, 1);
}
pump();
