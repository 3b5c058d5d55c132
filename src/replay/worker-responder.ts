import type { JsonValue } from '@bufbuild/protobuf';
import { describe } from '../codec/describe.js';
import { createSecretMask, type SecretMask } from '../codec/secret-mask.js';
import { decodeMessage, encodeMessage, makeMessage, messageFromJson, messageToJson } from '../codec/streaming-message.js';
import type { ReplayOutcome } from '../report/replay-report.js';
import type { CausalPlan, ExpectedAnswer, PlanStep } from './causal-plan.js';
import { comparableView } from './compare-answers.js';
import { rewriteIds } from './id-map.js';
import type { PathMatcher } from './ignore-paths.js';
import { diffJson } from './json-diff.js';
import { functionNames } from './rewrite-host-message.js';

/** One recorded answer to send live: bytes already in the live id space, and its recorded service time. */
export interface ScheduledAnswer {
  bytes: Uint8Array;
  kind: string;
  /** Recorded ms between the host message (or stream start) and this answer. */
  delayMs: number;
}

export interface WorkerResponse {
  answers: ScheduledAnswer[];
  outcome: ReplayOutcome;
  /** The host asked the worker to terminate: end the stream once the answers are out. */
  terminate: boolean;
}

/**
 * The worker side of a replay as a sans-IO function of live host messages: StartStream
 * and unprompted messages at the start, then for each live host message the recorded one
 * it corresponds to and that message's recorded answers, rewritten into live ids.
 *
 * Matching: function loads by function name (the live function_id is learned there);
 * invocations by function, then by the closest recorded input (unused recordings first);
 * cancels by the invocation they cancel; status requests echo the live request_id;
 * other kinds by occurrence (the last one is reused when the host sends more, as a real
 * host does with periodic status requests).
 */
export interface WorkerResponder {
  /** What the worker sends on its own: StartStream with the live ids, then unprompted messages. */
  start(): ScheduledAnswer[];
  receive(bytes: Uint8Array): WorkerResponse;
  /** Recorded host messages no live message was matched to. */
  notReceived(): number;
}

export interface WorkerResponderOptions {
  workerId: string;
  requestId: string;
  ignore: PathMatcher;
  /** What is secret in host messages, compared and reported as markers (default: the built-in rules). */
  secrets?: SecretMask;
}

interface Recorded {
  step: PlanStep;
  json: JsonValue;
  used: boolean;
}

export function createWorkerResponder(plan: CausalPlan, options: WorkerResponderOptions): WorkerResponder {
  const secrets = options.secrets ?? createSecretMask();
  const byKind = new Map<string, Recorded[]>();
  for (const step of plan.steps) {
    const list = byKind.get(step.frame.kind) ?? [];
    list.push({ step, json: comparableView(step.frame.bytes, secrets), used: false });
    byKind.set(step.frame.kind, list);
  }
  const answersOf = new Map<number | undefined, ExpectedAnswer[]>();
  for (const a of plan.answers) {
    const list = answersOf.get(a.trigger) ?? [];
    list.push(a);
    answersOf.set(a.trigger, list);
  }
  const start = plan.answers.find((a) => a.frame.kind === 'startStream');
  /** Session-wide recorded → live ids: worker id, startup request id, function ids. */
  const global = new Map<string, string>();
  // Recordings index worker ids per session, not per frame: read them from the bytes.
  const startIds = start ? describe(start.frame.bytes) : undefined;
  if (startIds?.workerId) global.set(startIds.workerId, options.workerId);
  if (startIds?.requestId) global.set(startIds.requestId, options.requestId);
  const liveFnToRecorded = new Map<string, string>();
  const liveInvocation = new Map<string, { recorded: Recorded }>();
  const startMs = start ? Number(start.frame.tNs) / 1e6 : 0;

  function take(kind: string, pick?: (r: Recorded) => number): Recorded | undefined {
    const list = byKind.get(kind) ?? [];
    if (list.length === 0) return undefined;
    const unused = list.filter((r) => !r.used);
    const pool = unused.length > 0 ? unused : list;
    let best = pool[0]!;
    if (pick) {
      let bestScore = Number.POSITIVE_INFINITY;
      for (const r of pool) {
        const score = pick(r);
        if (score < bestScore) [best, bestScore] = [r, score];
      }
      if (!Number.isFinite(bestScore)) return undefined;
    } else if (unused.length === 0) best = list[list.length - 1]!;
    best.used = true;
    return best;
  }

  // Recorded invocations per function, and by exact input, for picking the closest one.
  const invocationsByFn = new Map<string, { list: Recorded[]; firstUnused: number }>();
  const byExactInput = new Map<string, Recorded[]>();
  for (const r of byKind.get('invocationRequest') ?? []) {
    const fn = r.step.frame.functionId ?? '';
    const entry = invocationsByFn.get(fn) ?? { list: [], firstUnused: 0 };
    entry.list.push(r);
    invocationsByFn.set(fn, entry);
    const key = `${fn}\0${inputKey(r.json)}`;
    byExactInput.set(key, [...(byExactInput.get(key) ?? []), r]);
  }

  /**
   * The recorded invocation to answer a live one with: of the same function, an unused one
   * with the same input if any, else the unused one with the closest input among the next
   * SCAN unused ones, else (all used) the closest among the first SCAN recorded ones.
   */
  function pickInvocation(recFn: string, live: JsonValue): Recorded | undefined {
    const entry = invocationsByFn.get(recFn);
    if (!entry) return undefined;
    const use = (r: Recorded) => {
      r.used = true;
      while (entry.firstUnused < entry.list.length && entry.list[entry.firstUnused]!.used) entry.firstUnused++;
      return r;
    };
    const exact = byExactInput.get(`${recFn}\0${inputKey(live)}`);
    const exactUnused = exact?.find((r) => !r.used);
    if (exactUnused) return use(exactUnused);
    const candidates: Recorded[] = [];
    for (let i = entry.firstUnused; i < entry.list.length && candidates.length < SCAN; i++) if (!entry.list[i]!.used) candidates.push(entry.list[i]!);
    if (candidates.length === 0) {
      if (exact) return exact[0];
      candidates.push(...entry.list.slice(0, SCAN));
    }
    let best = candidates[0]!;
    let bestScore = Number.POSITIVE_INFINITY;
    for (const r of candidates) {
      const score = inputDistance(r.json, live);
      if (score < bestScore) [best, bestScore] = [r, score];
      if (score === 0) break;
    }
    return use(best);
  }

  function rewriteAnswer(a: ExpectedAnswer, local: Map<string, string>): ScheduledAnswer {
    const lookup = (id: string) => local.get(id) ?? global.get(id);
    const embedded = [...local.keys(), ...global.keys()];
    const json = messageToJson(decodeMessage(a.frame.bytes));
    const rewritten = rewriteIds(json, lookup, embedded);
    const bytes = JSON.stringify(rewritten) === JSON.stringify(json) ? a.frame.bytes : encodeMessage(messageFromJson(rewritten));
    return { bytes, kind: a.frame.kind, delayMs: a.serviceMs };
  }

  return {
    start() {
      const out: ScheduledAnswer[] = [];
      if (start) out.push({ ...rewriteAnswer(start, new Map()), delayMs: 0 });
      // A recording that starts mid-stream: the host still needs StartStream first.
      else out.push({ bytes: encodeMessage(makeMessage({ requestId: options.requestId, content: { case: 'startStream', value: { workerId: options.workerId } } })), kind: 'startStream', delayMs: 0 });
      for (const a of answersOf.get(undefined) ?? [])
        if (a !== start) out.push({ ...rewriteAnswer(a, new Map()), delayMs: Math.max(0, Number(a.frame.tNs) / 1e6 - startMs) });
      return out;
    },
    receive(bytes) {
      const d = describe(bytes);
      const liveJson = comparableView(bytes, secrets);
      const local = new Map<string, string>();
      const toRecordedFn = (id: string) => liveFnToRecorded.get(id) ?? id;
      let recorded: Recorded | undefined;
      switch (d.kind) {
        case 'functionLoadRequest':
        case 'functionLoadRequestCollection': {
          const live = functionNames(bytes);
          recorded =
            d.kind === 'functionLoadRequest'
              ? take(d.kind, (r) => (functionNames(r.step.frame.bytes)[0]?.name === live[0]?.name ? 0 : Number.POSITIVE_INFINITY))
              : take(d.kind);
          if (recorded) {
            const names = new Map(functionNames(recorded.step.frame.bytes).map((f) => [f.name, f.functionId]));
            for (const f of live) {
              const rec = names.get(f.name);
              if (rec === undefined) continue;
              liveFnToRecorded.set(f.functionId, rec);
              global.set(rec, f.functionId);
            }
          }
          break;
        }
        case 'invocationRequest': {
          const recFn = toRecordedFn(d.functionId ?? '');
          const inLiveSpace = rewriteIds(liveJson, (id) => liveFnToRecorded.get(id), []);
          recorded = pickInvocation(recFn, inLiveSpace);
          if (recorded && d.invocationId) {
            local.set(recorded.step.frame.invocationId ?? '', d.invocationId);
            liveInvocation.set(d.invocationId, { recorded });
          }
          break;
        }
        case 'invocationCancel': {
          const inv = liveInvocation.get(d.invocationId ?? '');
          const recIid = inv?.recorded.step.frame.invocationId;
          recorded = recIid ? take(d.kind, (r) => (r.step.frame.invocationId === recIid ? 0 : Number.POSITIVE_INFINITY)) : undefined;
          if (recIid && d.invocationId) local.set(recIid, d.invocationId);
          break;
        }
        case 'workerStatusRequest':
          recorded = take(d.kind);
          if (recorded?.step.frame.requestId) local.set(recorded.step.frame.requestId, d.requestId ?? '');
          break;
        default:
          recorded = take(d.kind);
      }
      const terminate = d.kind === 'workerTerminate';
      if (!recorded && d.kind === 'workerStatusRequest') {
        // A health probe, not the app's traffic: answer it even when the recording has none,
        // or a real host would take the worker for dead.
        const bytes = encodeMessage(makeMessage({ requestId: d.requestId ?? '', content: { case: 'workerStatusResponse', value: {} } }));
        return {
          answers: [{ bytes, kind: 'workerStatusResponse', delayMs: 0 }],
          terminate,
          outcome: { kind: d.kind, key: `${d.kind}:live`, status: 'matched', differences: [], note: 'none recorded: answered with an empty WorkerStatusResponse' },
        };
      }
      if (!recorded) {
        return {
          answers: [],
          terminate,
          outcome: { kind: d.kind, key: `${d.kind}:live`, status: 'missing', differences: [], note: 'no recorded counterpart: nothing to answer with', live: liveJson },
        };
      }
      const recFrame = recorded.step.frame;
      const backToRecorded = new Map<string, string>();
      for (const [rec, live] of [...global, ...local]) backToRecorded.set(live, rec);
      for (const [live, rec] of liveFnToRecorded) backToRecorded.set(live, rec);
      const differences = diffJson(recorded.json, rewriteIds(liveJson, (id) => backToRecorded.get(id), [...backToRecorded.keys()]), options.ignore, secrets.text);
      const outcome: ReplayOutcome = {
        kind: d.kind,
        key: `${d.kind}:${recFrame.invocationId ?? recFrame.functionId ?? recFrame.seq}`,
        status: differences.length ? 'differed' : 'matched',
        recordedSeq: recFrame.seq,
        differences,
      };
      if (recFrame.invocationId) outcome.invocationId = recFrame.invocationId;
      if (recFrame.functionId) outcome.functionId = recFrame.functionId;
      const answers = (answersOf.get(recFrame.seq) ?? []).map((a) => rewriteAnswer(a, local));
      outcome.note = `${answers.length} answer(s) sent`;
      return { answers, terminate, outcome };
    },
    notReceived() {
      let n = 0;
      for (const list of byKind.values()) n += list.filter((r) => !r.used).length;
      return n;
    },
  };
}

/** How many recorded invocations are compared with a live one when no input matches exactly. */
const SCAN = 64;

/** The input of an invocation: its input bindings and trigger metadata. */
function pickInput(j: JsonValue): JsonValue {
  const r = j && typeof j === 'object' && !Array.isArray(j) ? j.invocationRequest : undefined;
  if (!r || typeof r !== 'object' || Array.isArray(r)) return null;
  return { inputData: r.inputData ?? null, triggerMetadata: r.triggerMetadata ?? null };
}

function inputKey(j: JsonValue): string {
  return JSON.stringify(pickInput(j));
}

/** How far a live invocation's input is from a recorded one: the number of differing input fields. */
function inputDistance(recorded: JsonValue, live: JsonValue): number {
  return diffJson(pickInput(recorded), pickInput(live)).length;
}
