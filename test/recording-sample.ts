// A small, realistic recording built with the synchronous writer: used by the recording
// and CLI-view tests and to make the golden file fixtures/recordings/v<N>.db.
import { encodeMessage, makeMessage } from '../src/codec/streaming-message.js';
import type { Direction } from '../src/model/frame.js';
import { createRecordingWriter } from '../src/recording/recording-writer.js';

type Init = Parameters<typeof makeMessage>[0];

/** Session 1: a complete conversation (ended); session 2: one that never ended. */
export const SAMPLE_T0 = Date.UTC(2026, 0, 2, 3, 4, 5, 678);

const conversation: [Direction, Init | Uint8Array][] = [
  ['toHost', { requestId: 'req-1', content: { case: 'startStream', value: { workerId: 'worker-7' } } }],
  [
    'toWorker',
    {
      content: {
        case: 'workerInitRequest',
        value: { hostVersion: '4.1000.0', capabilities: { MultiStream: '10' } },
      },
    },
  ],
  [
    'toHost',
    {
      requestId: 'req-1',
      content: {
        case: 'workerInitResponse',
        value: {
          capabilities: { RpcHttpBodyOnly: 'true' },
          result: { status: 1 },
          workerMetadata: { runtimeName: 'node', runtimeVersion: '20' },
        },
      },
    },
  ],
  [
    'toWorker',
    {
      content: {
        case: 'functionLoadRequest',
        value: { functionId: 'fn-hello', metadata: { name: 'hello' } },
      },
    },
  ],
  [
    'toHost',
    { content: { case: 'functionLoadResponse', value: { functionId: 'fn-hello', result: { status: 1 } } } },
  ],
  [
    'toWorker',
    { content: { case: 'invocationRequest', value: { invocationId: 'inv-1', functionId: 'fn-hello' } } },
  ],
  [
    'toHost',
    {
      content: {
        case: 'rpcLog',
        value: { invocationId: 'inv-1', level: 2, message: 'hello from the worker' },
      },
    },
  ],
  [
    'toHost',
    { content: { case: 'invocationResponse', value: { invocationId: 'inv-1', result: { status: 1 } } } },
  ],
  [
    'toWorker',
    { content: { case: 'invocationRequest', value: { invocationId: 'inv-2', functionId: 'fn-hello' } } },
  ],
  [
    'toHost',
    {
      content: {
        case: 'invocationResponse',
        value: { invocationId: 'inv-2', result: { status: 0, exception: { message: 'boom' } } },
      },
    },
  ],
  ['toHost', new Uint8Array([0xff, 0xff, 0x01])], // not a StreamingMessage
  ['toWorker', { content: { case: 'workerTerminate', value: { gracePeriod: { seconds: 5n } } } }],
];

export function sampleFrames(): { direction: Direction; bytes: Uint8Array }[] {
  return conversation.map(([direction, m]) => ({
    direction,
    bytes: m instanceof Uint8Array ? m : encodeMessage(makeMessage(m)),
  }));
}

/** Write the sample recording to `path` (which must not hold these session ids yet). */
export function writeSampleRecording(path: string): void {
  const w = createRecordingWriter(path, { redact: false });
  const start = (id: number, label: string, t0: number) =>
    w.addSession({
      id,
      label,
      startWallMs: t0,
      upstream: '127.0.0.1:7071',
      path: '/AzureFunctionsRpcMessages.FunctionRpc/EventStream',
      metadata: { 'user-agent': ['grpc-node-js/1.14'] },
      functapeVersion: '0.1.0',
      schemaVersion: 'test',
    });
  const frames = sampleFrames();
  for (const [id, count] of [
    [1, frames.length],
    [2, 3],
  ] as const) {
    const t0 = SAMPLE_T0 + (id - 1) * 60_000;
    start(id, `sample ${id}`, t0);
    const dirSeq = { toHost: 0, toWorker: 0 };
    frames.slice(0, count).forEach((f, seq) => {
      const tNs = BigInt(seq) * 1_234_567n;
      w.addFrame({
        sessionId: id,
        seq,
        dirSeq: dirSeq[f.direction]++,
        direction: f.direction,
        tNs,
        wallMs: t0 + Number(tNs) / 1e6,
        compressed: false,
        bytes: f.bytes,
      });
    });
    if (id === 1) {
      w.endSession({
        id,
        endNs: 20_000_000n,
        endWallMs: t0 + 20,
        status: { code: 0, details: '', metadata: { 'x-trailer': ['1'] } },
        reason: 'completed',
      });
    }
  }
  w.close();
}
