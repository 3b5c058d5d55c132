// Every conformance scenario can fail: each runs against a reference-worker variant that
// breaks exactly its rule (`functape worker --bug conform-...`) and must fail with its reason.
// The variants run in this one process, a few at once, each on its own worker process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScenario } from '../src/cli/conform-run.js';
import { loadCatalogue, scenarioInfo } from '../src/replay/conform/index.js';
import { FUNCTAPE } from './helpers/python.js';

/** scenario id → the bug that breaks its rule, and what the failure must say. */
const VARIANTS: Record<string, { bug: string; reason: RegExp }> = {
  'startup.start-stream': { bug: 'conform-wrong-worker-id', reason: /StartStream must carry the worker id/ },
  'startup.request-id': { bug: 'conform-start-request-id', reason: /startStream\.requestId is "", expected/ },
  'startup.init-response': {
    bug: 'conform-init-fail',
    reason: /workerInitResponse\.result\.status is "Failure"/,
  },
  'startup.worker-metadata': {
    bug: 'conform-no-worker-metadata',
    reason: /workerMetadata\.runtimeName is empty/,
  },
  'index.metadata': {
    bug: 'conform-metadata-fail',
    reason: /functionMetadataResponse\.result\.status is "Failure"/,
  },
  'load.each': { bug: 'conform-load-fail', reason: /loading .* failed/ },
  'load.collection': { bug: 'conform-collection-partial', reason: /no a FunctionLoadResponse for .* within/ },
  'load.unknown-function': { bug: 'conform-crash-on-unknown-load', reason: /the worker exited \(code 70\)/ },
  'load.duplicate': { bug: 'conform-duplicate-load-fail', reason: /loading .* failed/ },
  'invoke.one': { bug: 'conform-answer-twice', reason: /a second InvocationResponse arrived/ },
  'invoke.concurrent': { bug: 'conform-answer-twice', reason: /answered more than once/ },
  'invoke.return-value': { bug: 'conform-no-return-value', reason: /no return_value/ },
  'invoke.logs': {
    bug: 'conform-log-after-response',
    reason: /no RpcLog with the invocation id arrived before/,
  },
  'invoke.raw-body': { bug: 'conform-reject-raw-body', reason: /result\.status is "Failure"/ },
  'invoke.collection': { bug: 'conform-reject-collection', reason: /result\.status is "Failure"/ },
  'invoke.large-body': { bug: 'conform-small-max-message', reason: /the worker exited|stream ended/ },
  'cancel.before': {
    bug: 'conform-cancel-ignored',
    reason: /result\.status is "Success", expected "Cancelled"/,
  },
  'cancel.during': { bug: 'conform-cancel-ignored', reason: /no invocationResponse .* within 4\.5 s/ },
  'cancel.after': { bug: 'conform-answer-cancel', reason: /a cancel of an answered invocation was answered/ },
  'cancel.unknown': {
    bug: 'conform-answer-cancel',
    reason: /a cancel of an unknown invocation was answered/,
  },
  'specialize.reload': {
    bug: 'conform-reload-fail',
    reason: /functionEnvironmentReloadResponse\.result\.status is "Failure"/,
  },
  'specialize.late-reload': {
    bug: 'conform-late-reload-fail',
    reason: /functionEnvironmentReloadResponse\.result\.status is "Failure"/,
  },
  'status.in-flight': { bug: 'conform-status-no-echo', reason: /the request_id must be echoed/ },
  'status.warmup': {
    bug: 'conform-warmup-fail',
    reason: /workerWarmupResponse\.result\.status is "Failure"/,
  },
  'race.before-init-answer': {
    bug: 'conform-drop-before-init',
    reason: /no functionMetadataResponse within/,
  },
  'race.invoke-before-load-answer': {
    bug: 'conform-lazy-load',
    reason: /invocationResponse\.result\.status is "Failure"/,
  },
  'race.second-metadata': { bug: 'conform-metadata-once', reason: /the second answer lost the functions/ },
  'shutdown.terminate': {
    bug: 'conform-terminate-drops',
    reason: /while the host waited for 2 × invocationResponse/,
  },
  'shutdown.stream-drop': { bug: 'conform-hang-on-drop', reason: /the worker did not exit within 5 s/ },
  'robust.unknown-member': { bug: 'conform-die-on-unknown', reason: /the worker exited \(code 70\)/ },
  'robust.unknown-fields': { bug: 'conform-strict-fields', reason: /the worker exited \(code 70\)/ },
};

test('every scenario fails against the worker variant that breaks its rule, with its reason', async () => {
  const catalogue = loadCatalogue();
  assert.deepEqual(
    catalogue.map((s) => s.id).filter((id) => !VARIANTS[id]),
    [],
    'a scenario without a variant that makes it fail',
  );
  const app = mkdtempSync(join(tmpdir(), 'functape-conform-'));
  const failures: string[] = [];
  try {
    let next = 0;
    const lane = async () => {
      while (next < catalogue.length) {
        const scenario = catalogue[next++]!;
        const v = VARIANTS[scenario.id]!;
        const { result } = await runScenario({
          scenario,
          info: scenarioInfo(scenario),
          command: [...FUNCTAPE, 'worker', '--load-collection', '--bug', v.bug],
          appDirectory: app,
          context: {},
          limitMs: 60_000,
          signal: new AbortController().signal,
        });
        if (result.status !== 'fail' || !v.reason.test(result.reason))
          failures.push(`${scenario.id} with --bug ${v.bug}: ${result.status} "${result.reason}"`);
      }
    };
    await Promise.all([lane(), lane(), lane(), lane()]);
  } finally {
    rmSync(app, { recursive: true, force: true });
  }
  assert.deepEqual(failures, []);
});
