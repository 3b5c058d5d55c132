import type { JsonValue } from '@bufbuild/protobuf';
import { encodeMessage, messageFromJson } from '../../codec/streaming-message.js';
import {
  createRunState,
  decide,
  type ConformContext,
  type RunState,
  type TranscriptEntry,
  type Verdict,
} from './run-state.js';
import type { Scenario } from './scenario.js';
import { runStep, type StepEffects } from './steps.js';
import { viewOf } from './view.js';

export type { ConformContext, TranscriptEntry, Verdict } from './run-state.js';

/** What the driver must do after any call: send these, end the stream, poll again by `wakeAtMs`. */
export interface ConformEffects {
  send: Uint8Array[];
  end?: 'ok' | 'cancel';
  wakeAtMs?: number;
  /** Set once the scenario is decided: stop the worker and report. */
  verdict?: Verdict;
}

/**
 * One conformance scenario against one worker process, sans-IO: worker messages and process
 * events in, host messages and a verdict out. The steps run in order; a waiting step
 * (expect, absent, exit, ...) holds the ones after it until it holds or its time is up.
 * The caller passes a monotonic `nowMs` and calls `poll` by `wakeAtMs`.
 *
 * Invariants: the verdict is decided exactly once and nothing is sent after it; a worker
 * that exits or loses its stream while the scenario did not ask for that fails it.
 */
export interface ConformRun {
  start(nowMs: number): ConformEffects;
  receive(bytes: Uint8Array, nowMs: number): ConformEffects;
  /** The worker half-closed its side of the stream. */
  peerHalfClosed(nowMs: number): ConformEffects;
  streamEnded(status: { code: number; details: string }, nowMs: number): ConformEffects;
  exited(exit: { code: number | null; signal: string | null }, nowMs: number): ConformEffects;
  poll(nowMs: number): ConformEffects;
  /** Called at the end when the verdict is still open (the driver gave up). */
  abandon(why: string): Verdict;
  transcript(): TranscriptEntry[];
}

export function createConformRun(scenario: Scenario, ctx: ConformContext): ConformRun {
  let r: RunState | undefined;
  const state = () => {
    if (!r) throw new Error('start() first');
    return r;
  };
  return {
    start(nowMs) {
      r = createRunState(scenario, ctx, nowMs);
      return advance(r, nowMs);
    },
    receive(bytes, nowMs) {
      const s = state();
      const v = viewOf(bytes);
      s.received.push({ ...v, atMs: nowMs, claimed: false });
      s.transcript.push({ direction: 'toHost', atMs: nowMs - s.startMs, kind: v.kind, json: v.json });
      return advance(s, nowMs);
    },
    peerHalfClosed(nowMs) {
      state().peerHalfClosed ??= nowMs;
      return advance(state(), nowMs);
    },
    streamEnded(status, nowMs) {
      state().streamEnd ??= { ...status, atMs: nowMs };
      return advance(state(), nowMs);
    },
    exited(exit, nowMs) {
      state().exit ??= { ...exit, atMs: nowMs };
      return advance(state(), nowMs);
    },
    poll: (nowMs) => advance(state(), nowMs),
    abandon(why) {
      decide(state(), 'fail', why);
      return state().verdict!;
    },
    transcript: () => state().transcript,
  };
}

/** Run steps until one waits or the scenario is decided. */
function advance(r: RunState, nowMs: number): ConformEffects {
  const fx: StepEffects = { send: [] };
  const effects: ConformEffects = { send: [] };
  if (r.verdict) return effects;
  while (!r.verdict && r.step < r.scenario.steps.length) {
    const cap = r.scenario.capability;
    if (cap && r.capabilities && !(cap in r.capabilities)) {
      decide(r, 'skipped', `the worker does not advertise ${cap}`);
      break;
    }
    let outcome: ReturnType<typeof runStep>;
    try {
      outcome = runStep(r, r.scenario.steps[r.step]!, nowMs, fx);
    } catch (err) {
      decide(r, 'fail', `scenario error: ${err instanceof Error ? err.message : String(err)}`);
      break;
    }
    if (typeof outcome === 'object') {
      effects.wakeAtMs = outcome.wakeAtMs;
      break;
    }
    r.step++;
    r.stepStartMs = nowMs;
  }
  if (!r.verdict && r.step >= r.scenario.steps.length) finish(r);
  for (const json of fx.send) {
    const bytes = json.raw ?? encode(json.message!, json.unknownField);
    effects.send.push(bytes);
    const v = viewOf(bytes);
    r.transcript.push({
      direction: 'toWorker',
      atMs: nowMs - r.startMs,
      kind: v.kind,
      json: v.json as JsonValue,
    });
  }
  if (fx.end) effects.end = fx.end;
  if (r.verdict) effects.verdict = r.verdict;
  return effects;
}

/** Every step held: a pass, unless the worker went away without the scenario asking for it. */
function finish(r: RunState): void {
  const askedToGo = r.hostEnded || r.scenario.steps.some((s) => 'exit' in s || 'halfClose' in s);
  if (r.exit && !askedToGo)
    return decide(
      r,
      'fail',
      `the worker exited (${r.exit.signal ?? `code ${r.exit.code}`}) during the scenario`,
    );
  if (r.streamEnd && !askedToGo)
    return decide(
      r,
      'fail',
      `the worker's stream ended (${r.streamEnd.code} ${r.streamEnd.details}) during the scenario`,
    );
  decide(r, 'pass', '');
}

/** A field number no StreamingMessage will use, as a varint field set to 1: an unknown field. */
const UNKNOWN_FIELD = Uint8Array.of(0xf8, 0xf0, 0x04, 0x01);

function encode(json: Record<string, unknown>, unknownField?: boolean): Uint8Array {
  const bytes = encodeMessage(messageFromJson(json as JsonValue));
  if (!unknownField) return bytes;
  const out = new Uint8Array(bytes.length + UNKNOWN_FIELD.length);
  out.set(bytes);
  out.set(UNKNOWN_FIELD, bytes.length);
  return out;
}
