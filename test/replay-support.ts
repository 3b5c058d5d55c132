// Helpers for the replay tests (no tests here): record a session of the scripted host
// against the reference worker in memory, and run the reference worker on a Duplex.
import { randomUUID } from 'node:crypto';
import type { Duplex } from '../src/model/duplex.js';
import { createHostScript, type HostScriptConfig } from '../src/peers/host-script.js';
import { createWorkerProtocol } from '../src/peers/worker-protocol.js';
import { runWorker, type WorkerRunResult } from '../src/peers/worker-runner.js';
import { createDuplexPair } from '../src/replay/memory-duplex.js';
import type { ReplayFrame } from '../src/replay/replay-frame.js';
import { frameOf } from './helpers/build-frames.js';

export interface ScriptOptions {
  functions: string[];
  invocations: number;
  concurrency: number;
  cancelEvery?: number;
  logCount?: number;
  greeting?: string;
  /** The worker advertises SupportsLoadResponseCollection (one load collection). */
  loadCollection?: boolean;
  /** The host specializes the worker with a FunctionEnvironmentReloadRequest. */
  reloadEnv?: boolean;
}

/** The reference worker on one end of a stream, as `functape worker` runs it. */
export function runReferenceWorker(
  duplex: Duplex,
  ids: { workerId: string; requestId: string },
  greeting?: string,
  loadCollection = false,
): Promise<WorkerRunResult> {
  const protocol = createWorkerProtocol({
    workerId: ids.workerId,
    requestId: ids.requestId,
    ...(greeting ? { greeting } : {}),
    loadCollection,
    workerVersion: '0.1.0',
    runtime: { name: 'node', version: process.version, bitness: 'x64', pid: process.pid },
  });
  return runWorker(duplex, protocol);
}

/** Record scripted host ↔ reference worker over an in-memory stream; frames as a recording stores them. */
export async function recordInMemory(o: ScriptOptions): Promise<ReplayFrame[]> {
  const pair = createDuplexPair();
  const ids = {
    workerId: 'rec-worker-0000-0000-000000000000',
    requestId: 'rec-request-000-0000-000000000000',
  };
  const t0 = performance.now();
  const frames: ReplayFrame[] = [];
  const tap = (direction: 'toHost' | 'toWorker', bytes: Uint8Array) =>
    frames.push(frameOf(frames.length, direction, performance.now() - t0, bytes));
  const config: HostScriptConfig = {
    workerId: ids.workerId,
    functions: o.functions,
    invocations: o.invocations,
    concurrency: o.concurrency,
    plan: { logCount: o.logCount ?? 3, bigMb: 0.01, cancelEvery: o.cancelEvery ?? 0 },
    reloadEnv: o.reloadEnv ?? false,
    hostVersion: '4.999.0',
    appDirectory: '/app',
    newGuid: randomUUID,
    now: () => process.hrtime.bigint(),
    wallNow: () => Date.now(),
    recordLatency: () => {},
  };
  const script = createHostScript(config);
  const worker = runReferenceWorker(pair.worker, ids, o.greeting, o.loadCollection);
  pair.host.onMessage((bytes) => {
    tap('toHost', bytes);
    for (const e of script.receive(bytes)) {
      if (e.type === 'send') {
        tap('toWorker', e.bytes);
        pair.host.send(e.bytes);
      } else if (e.type === 'abort') pair.host.cancel({ code: 13, details: e.problem });
    }
  });
  void pair.host.peerEnded.then(() => pair.host.end());
  await pair.host.done;
  await worker;
  const st = script.state();
  if (st.broken || st.unexpected) throw new Error(`recording run failed: ${st.broken ?? st.unexpected}`);
  return frames;
}

export { createDuplexPair };
