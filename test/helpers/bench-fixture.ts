import type { BenchReport } from '../../src/report/bench-report.js';
import { createBenchRecorder } from '../../src/report/bench-recorder.js';

/**
 * A plausible report built through the real recorder from a deterministic latency
 * sequence (two functions, two workers, 5 s): for printer and compare tests.
 */
export function makeSampleBenchReport(scale = 1): BenchReport {
  const rec = createBenchRecorder({
    functions: [
      { name: 'HttpTrigger', recordedFunctionId: 'f-1' },
      { name: 'QueueTrigger', recordedFunctionId: 'f-2' },
    ],
    workers: [
      { workerId: 'aaaaaaaa-0000-0000-0000-000000000001', pid: 101 },
      { workerId: 'bbbbbbbb-0000-0000-0000-000000000002', pid: 102 },
    ],
  });
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let i = 0; i < 5000; i++) {
    const fn = i % 2;
    const worker = (i >> 1) % 2;
    rec.sent(fn, worker);
    const latency = (200 + 800 * rnd() + (rnd() < 0.01 ? 20_000 * rnd() : 0)) * scale * (fn ? 2 : 1);
    rec.completed(fn, worker, latency, i % 500 === 0 ? 'Failure' : 'Success', (i / 5000) * 5000);
    if (fn === 0) rec.rpcLog(fn);
  }
  rec.unanswered(1, 0);
  const built = rec.build(5000);
  return {
    format: 'functape-bench',
    formatVersion: 1,
    functapeVersion: '0.0.0-test',
    startedAt: '2026-01-01T00:00:00.000Z',
    source: { db: 'sample.db', sessionId: 1, templates: 2, workerCommand: 'functape worker' },
    load: {
      model: 'closed',
      concurrency: 10,
      rate: null,
      stages: [],
      warmupMs: 0,
      durationMs: 5000,
      invocations: null,
      workers: 2,
      description: 'closed loop, 10 in flight; 5s',
    },
    durationMs: 5000,
    stopReason: 'done',
    ...built,
    warmup: { sent: 0, completed: 0 },
    generator: {
      cpuUserUs: 40_000,
      cpuSystemUs: 10_000,
      cpuUsPerInvocation: 10,
      meanSendLagUs: 0,
      maxSendLagUs: 0,
    },
    machine: {
      hostname: 'test',
      platform: 'linux',
      arch: 'x64',
      cpuModel: 'test cpu',
      cpuCount: 2,
      totalMemoryMb: 1024,
      node: 'v20',
      loadAverage: [0, 0, 0],
    },
    notes: [],
  };
}
