import type { JsonValue } from '@bufbuild/protobuf';
import type { KnownFunction, SampleInvocation } from './requests.js';
import type { Scenario } from './scenario.js';
import type { TemplateScope } from './templates.js';
import type { MessageView } from './view.js';

/** What one scenario run is given: who the worker is and what to call. */
export interface ConformContext {
  workerId: string;
  /** The startup request id the worker was started with. */
  requestId: string;
  appDirectory: string;
  newGuid(): string;
  /** The function to invoke (`--function`); default: the first function the worker indexes. */
  target?: string;
  /** A recorded load request of the target (`--from`): its metadata, when the worker indexes nothing. */
  sampleLoad?: { functionId: string; metadata: Record<string, unknown> };
  sampleInvocation?: SampleInvocation;
  /** Default wait for an `expect` step, ms (10,000). */
  expectMs?: number;
}

export type VerdictStatus = 'pass' | 'fail' | 'skipped';

export interface Verdict {
  status: VerdictStatus;
  /** One line: why it failed or was skipped ('' on a pass). */
  reason: string;
  /** 1-based index of the step that decided a failure or skip. */
  step?: number;
}

/** One message of the run, as the report shows it. */
export interface TranscriptEntry {
  direction: 'toWorker' | 'toHost';
  atMs: number;
  kind: string;
  json: JsonValue | null;
}

export interface Received extends MessageView {
  atMs: number;
  /** Taken by an `expect` or `load` step (an `absent` step ignores it). */
  claimed: boolean;
  /** Its capabilities or functions were read into the state. */
  learned?: boolean;
}

/**
 * One scenario run's named state. Invariants: `step` only grows; `verdict` is set once and
 * nothing is sent after it; every received message is in `received` in arrival order.
 */
export interface RunState {
  readonly scenario: Scenario;
  readonly ctx: ConformContext;
  readonly scope: TemplateScope;
  readonly received: Received[];
  readonly transcript: TranscriptEntry[];
  /** Functions the host knows (indexed, recorded or named), by name. */
  readonly functions: Map<string, KnownFunction>;
  /** Names of the functions a `load` step sent. */
  readonly loaded: Set<string>;
  /** Names of the invocations that called their preferred function. */
  readonly preferred: Set<string>;
  /** Capabilities of the last init or reload response (undefined before). */
  capabilities?: Record<string, string>;
  /** Function ids whose load answer the current `load` step waits for. */
  pendingLoads?: Set<string>;
  step: number;
  /** When the current step began (ms). */
  stepStartMs: number;
  startMs: number;
  exit?: { code: number | null; signal: string | null; atMs: number };
  streamEnd?: { code: number; details: string; atMs: number };
  peerHalfClosed?: number;
  /** The host ended the stream itself (an `end` step). */
  hostEnded: boolean;
  verdict?: Verdict;
}

export function createRunState(scenario: Scenario, ctx: ConformContext, nowMs: number): RunState {
  return {
    scenario,
    ctx,
    scope: {
      vars: { appDir: ctx.appDirectory, workerId: ctx.workerId, requestId: ctx.requestId },
      ids: new Map(),
      newGuid: ctx.newGuid,
    },
    received: [],
    transcript: [],
    functions: new Map(),
    loaded: new Set(),
    preferred: new Set(),
    step: 0,
    stepStartMs: nowMs,
    startMs: nowMs,
    hostEnded: false,
  };
}

export function decide(r: RunState, status: VerdictStatus, reason: string): void {
  r.verdict ??= { status, reason, ...(status === 'pass' ? {} : { step: r.step + 1 }) };
}
