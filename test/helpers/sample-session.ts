import { buildFrames, m } from './build-frames.js';

export const OK = { status: 1 };
/** A session: start, init, metadata, two loads, two interleaved invocations, a cancel, status, terminate. */
export const SAMPLE_SESSION = buildFrames([
  /* 0 */ ['toHost', 0, m('startStream', { workerId: 'W' }, 'R')],
  /* 1 */ ['toWorker', 2, m('workerInitRequest', { hostVersion: '4' })],
  /* 2 */ ['toHost', 5, m('workerInitResponse', { result: OK })],
  /* 3 */ ['toWorker', 6, m('functionsMetadataRequest', { functionAppDirectory: '/app' })],
  /* 4 */ [
    'toHost',
    9,
    m('functionMetadataResponse', {
      functionMetadataResults: [
        { name: 'a', functionId: 'a' },
        { name: 'b', functionId: 'b' },
      ],
    }),
  ],
  /* 5 */ [
    'toWorker',
    10,
    m('functionLoadRequest', { functionId: 'a', metadata: { name: 'a', functionId: 'a' } }),
  ],
  /* 6 */ [
    'toWorker',
    11,
    m('functionLoadRequest', { functionId: 'b', metadata: { name: 'b', functionId: 'b' } }),
  ],
  /* 7 */ ['toHost', 12, m('functionLoadResponse', { functionId: 'b', result: OK })],
  /* 8 */ ['toHost', 14, m('functionLoadResponse', { functionId: 'a', result: OK })],
  /* 9 */ ['toWorker', 20, m('invocationRequest', { invocationId: 'i1', functionId: 'a' })],
  /* 10 */ ['toWorker', 21, m('invocationRequest', { invocationId: 'i2', functionId: 'b' })],
  /* 11 */ ['toHost', 22, m('rpcLog', { invocationId: 'i2', message: 'b runs' })],
  /* 12 */ ['toHost', 23, m('invocationResponse', { invocationId: 'i2', result: OK })],
  /* 13 */ ['toWorker', 30, m('invocationCancel', { invocationId: 'i1' })],
  /* 14 */ ['toHost', 31, m('invocationResponse', { invocationId: 'i1', result: { status: 2 } })],
  /* 15 */ ['toWorker', 40, m('workerStatusRequest', {}, 'S1')],
  /* 16 */ ['toHost', 41, m('workerStatusResponse', {}, 'S1')],
  /* 17 */ ['toWorker', 50, m('workerTerminate', { gracePeriod: { seconds: 5 } })],
]);
