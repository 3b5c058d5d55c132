import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyCounts, formatHostReport, type HostReport } from './host-report.js';

const broken = (capabilities: string[]): HostReport => ({
  outcome: 'broken',
  problem: 'the stream ended',
  phase: 'aborted',
  workerId: 'W',
  workerCapabilities: capabilities,
  workerMetadata: {},
  functions: ['hello'],
  invocations: {
    planned: 3000,
    sent: 2100,
    answered: 2096,
    byFunction: { hello: { ...emptyCounts(), sent: 2100, ok: 2096, success: 2096 } },
    examples: [],
  },
  logs: { invocation: 0, other: 0 },
  messages: { toWorker: 2105, toHost: 2097 },
  statusEchoed: false,
  statusSent: false,
  invokeMs: 1000,
  perSecond: 2096,
  latencyMs: { p50: 1, p90: 2, p99: 3, max: 4, mean: 1, count: 2096 },
  worker: { exitCode: 1, signal: null, stderrTail: [] },
});

test('a status request not sent says why: no capability, or the run ended before it', () => {
  assert.match(
    formatHostReport(broken(['WorkerStatus'])),
    /status request echoed: not sent \(the run ended before it\)/,
  );
  assert.match(
    formatHostReport(broken([])),
    /status request echoed: not sent \(no WorkerStatus capability\)/,
  );
  assert.match(formatHostReport(broken(['WorkerStatus'])), /throughput: 2096 invocations\/s over 1000 ms/);
});
