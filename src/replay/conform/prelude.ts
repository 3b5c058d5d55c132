import type { Step } from './scenario.js';

/**
 * The steps a scenario's `setup` stands for, each stage including the ones before it:
 * `start` (StartStream naming the worker, within 30 s of the process's start), `init` (WorkerInitRequest answered Success
 * within the host's 10 s), `index` (FunctionsMetadataRequest answered), `load` (every
 * indexed function loaded, as a collection when the worker advertises
 * SupportsLoadResponseCollection).
 */
export const SETUPS = ['start', 'init', 'index', 'load'] as const;
export type Setup = (typeof SETUPS)[number];

const STAGES: Record<Setup, Step[]> = {
  start: [
    {
      expect: 'startStream',
      within: 30_000,
      check: [{ path: 'workerId', is: '{{workerId}}', reason: 'StartStream must carry the worker id' }],
    },
  ],
  init: [
    {
      send: {
        workerInitRequest: {
          hostVersion: '4.1000.0-functape-conform',
          capabilities: { MultiStream: '10' },
          workerDirectory: '{{appDir}}',
          functionAppDirectory: '{{appDir}}',
        },
      },
    },
    { expect: 'workerInitResponse', within: 10_000, check: [{ path: 'result.status', is: 'Success' }] },
  ],
  index: [
    { send: { functionsMetadataRequest: { functionAppDirectory: '{{appDir}}' } } },
    { expect: 'functionMetadataResponse' },
  ],
  load: [{ load: 'auto' }],
};

export function setupSteps(setup: Setup): Step[] {
  return SETUPS.slice(0, SETUPS.indexOf(setup) + 1).flatMap((s) => STAGES[s]);
}
