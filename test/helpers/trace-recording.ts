// A recording for the trace-export tests: two functions (HTTP and queue triggers), overlapping
// invocations, one with a W3C trace context, RpcLogs, a failure, a cancellation, one never
// answered, and bytes that are not a StreamingMessage.
import { encodeMessage, makeMessage } from '../../src/codec/streaming-message.js';
import type { Direction } from '../../src/model/frame.js';
import { createRecordingWriter } from '../../src/recording/recording-writer.js';

type Init = Parameters<typeof makeMessage>[0];

export const TRACE_T0 = Date.UTC(2026, 4, 6, 7, 8, 9, 10);
export const TRACE_PARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
export const TRACE_STATE = 'congo=t61rcWkgMzE';
/** When the session ended, ms after its start. */
export const TRACE_END_MS = 100;

const m = (kind: string, value: object): Init => ({ content: { case: kind, value } }) as Init;
const http = { req: { type: 'httpTrigger', direction: 0 }, $return: { type: 'http', direction: 1 } };

/** [direction, ms after the session start, message] in seq order. */
export const TRACE_FRAMES: ReadonlyArray<readonly [Direction, number, Init | Uint8Array]> = [
  ['toHost', 0, m('startStream', { workerId: 'W' })],
  ['toWorker', 1, m('workerInitRequest', { hostVersion: '4' })],
  ['toHost', 2, m('workerInitResponse', { result: { status: 1 } })],
  [
    'toWorker',
    3,
    m('functionLoadRequest', { functionId: 'f-http', metadata: { name: 'HttpHello', bindings: http } }),
  ],
  [
    'toWorker',
    4,
    m('functionLoadRequest', {
      functionId: 'f-queue',
      metadata: { name: 'QueueWork', bindings: { msg: { type: 'queueTrigger', direction: 0 } } },
    }),
  ],
  ['toHost', 5, m('functionLoadResponse', { functionId: 'f-http', result: { status: 1 } })],
  ['toHost', 6, m('functionLoadResponse', { functionId: 'f-queue', result: { status: 1 } })],
  [
    'toWorker',
    10,
    m('invocationRequest', {
      invocationId: 'inv-1',
      functionId: 'f-http',
      traceContext: { traceParent: TRACE_PARENT, traceState: TRACE_STATE },
    }),
  ],
  ['toWorker', 11, m('invocationRequest', { invocationId: 'inv-2', functionId: 'f-queue' })],
  [
    'toHost',
    12.5,
    m('rpcLog', {
      invocationId: 'inv-1',
      level: 2,
      category: 'Function.HttpHello.User',
      message: 'hello log',
    }),
  ],
  ['toHost', 13, m('rpcLog', { invocationId: 'inv-2', level: 3, message: 'queue is slow' })],
  ['toHost', 14, m('rpcLog', { level: 2, message: 'a system log' })],
  [
    'toHost',
    20,
    m('invocationResponse', { invocationId: 'inv-2', result: { status: 0, exception: { message: 'boom' } } }),
  ],
  ['toHost', 25, m('invocationResponse', { invocationId: 'inv-1', result: { status: 1 } })],
  ['toWorker', 30, m('invocationRequest', { invocationId: 'inv-3', functionId: 'f-http' })],
  ['toWorker', 31, m('invocationCancel', { invocationId: 'inv-3' })],
  ['toHost', 32, m('invocationResponse', { invocationId: 'inv-3', result: { status: 2 } })],
  ['toWorker', 40, m('invocationRequest', { invocationId: 'inv-4', functionId: 'f-queue' })],
  ['toHost', 41, new Uint8Array([0xff, 0xff, 0x01])],
  ['toWorker', 50, m('workerTerminate', { gracePeriod: { seconds: 5n } })],
];

/** Write the trace recording (session 1, label `trace test`) to `path`. */
export function writeTraceRecording(path: string): void {
  const w = createRecordingWriter(path, { redact: false });
  w.addSession({
    id: 1,
    label: 'trace test',
    startWallMs: TRACE_T0,
    upstream: '127.0.0.1:7071',
    path: '/AzureFunctionsRpcMessages.FunctionRpc/EventStream',
    metadata: {},
    functapeVersion: '0.1.0',
    schemaVersion: 'test',
  });
  const dirSeq = { toHost: 0, toWorker: 0 };
  TRACE_FRAMES.forEach(([direction, ms, message], seq) => {
    const tNs = BigInt(Math.round(ms * 1e6));
    const bytes = message instanceof Uint8Array ? message : encodeMessage(makeMessage(message));
    w.addFrame({
      sessionId: 1,
      seq,
      dirSeq: dirSeq[direction]++,
      direction,
      tNs,
      wallMs: TRACE_T0 + ms,
      compressed: false,
      bytes,
    });
  });
  const endNs = BigInt(TRACE_END_MS) * 1_000_000n;
  w.endSession({
    id: 1,
    endNs,
    endWallMs: TRACE_T0 + TRACE_END_MS,
    status: { code: 0, details: '' },
    reason: 'completed',
  });
  w.close();
}
