import { randomUUID } from 'node:crypto';
import type { HostReport } from '../../src/peers/host-report.js';
import { runHost, type HostRunOptions, type HostSideDuplex } from '../../src/peers/host-runner.js';
import type { SpawnedWorker } from '../../src/peers/spawn-worker.js';
import { listenAsHost } from '../../src/wire/grpc-peer.js';

export interface HostInProcessOptions {
  /** Start the worker process with the host arguments appended (e.g. peers/spawnWorker). */
  startWorker(hostArgs: string[]): SpawnedWorker;
  functions: string[];
  invocations: number;
  concurrency?: number;
  plan?: HostRunOptions['plan'];
  hostVersion?: string;
  /** Wraps the worker's stream before the script drives it (to see every message). */
  tap?: (d: HostSideDuplex) => HostSideDuplex;
}

/**
 * The scripted host (peers/host-runner) in this process, on a loopback listener of its own
 * (port 0, closed on return), against one worker process: a run costs the worker's process
 * and nothing else, so one test process can drive many at once.
 */
export async function hostInProcess(o: HostInProcessOptions): Promise<HostReport> {
  const listener = await listenAsHost({ host: '127.0.0.1', port: 0 });
  const tap = o.tap ?? ((d) => d);
  try {
    return await runHost({
      listener: {
        host: '127.0.0.1',
        port: listener.port,
        onStream: (cb) => listener.onStream((d) => cb(tap(d))),
      },
      startWorker: o.startWorker,
      functions: o.functions,
      invocations: o.invocations,
      concurrency: o.concurrency ?? 1,
      plan: o.plan ?? { logCount: 1, bigMb: 0, cancelEvery: 0 },
      reloadEnv: false,
      hostVersion: o.hostVersion ?? 'functape-test',
      appDirectory: process.cwd(),
      newGuid: randomUUID,
      now: () => process.hrtime.bigint(),
      wallNow: () => Date.now(),
    });
  } finally {
    await listener.close(500);
  }
}
