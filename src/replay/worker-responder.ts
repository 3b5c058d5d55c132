import type { JsonValue } from '@bufbuild/protobuf';
import { describe } from '../codec/describe.js';
import { createSecretMask, type SecretMask } from '../codec/secret-mask.js';
import {
  decodeMessage,
  encodeMessage,
  makeMessage,
  messageFromJson,
  messageToJson,
} from '../codec/streaming-message.js';
import type { FrameIndex } from '../model/frame.js';
import type { ReplayOutcome } from '../report/replay-report.js';
import type { CausalPlan, ExpectedAnswer } from './causal-plan.js';
import { comparableView } from './compare-answers.js';
import { rewriteIds } from './id-map.js';
import type { PathMatcher } from './ignore-paths.js';
import { diffJson } from './json-diff.js';
import {
  countUnused,
  indexRecordedHostMessages,
  pickInvocation,
  take,
  type Recorded,
  type RecordedHostMessages,
} from './recorded-host-messages.js';
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

/**
 * The responder's named state. Invariants: `global` maps recorded ids that hold for the whole
 * session (worker id, startup request id, and each function id once its load was matched)
 * to live ones; `liveFnToRecorded` is its inverse for function ids; `liveInvocation` holds
 * every live invocation matched so far, with its recorded counterpart.
 */
interface ResponderState {
  readonly options: WorkerResponderOptions;
  readonly secrets: SecretMask;
  readonly recorded: RecordedHostMessages;
  /** Recorded trigger seq (undefined: unprompted) → the answers it got, in order. */
  readonly answersOf: Map<number | undefined, ExpectedAnswer[]>;
  /** The recorded StartStream, if the recording has one. */
  readonly start: ExpectedAnswer | undefined;
  /** When the recorded stream started (ms), for the delay of unprompted messages. */
  readonly startMs: number;
  /** Session-wide recorded → live ids: worker id, startup request id, function ids. */
  readonly global: Map<string, string>;
  readonly liveFnToRecorded: Map<string, string>;
  readonly liveInvocation: Map<string, { recorded: Recorded }>;
}

export function createWorkerResponder(plan: CausalPlan, options: WorkerResponderOptions): WorkerResponder {
  const r = createResponderState(plan, options);
  return {
    start: () => start(r),
    receive: (bytes) => receive(r, bytes),
    notReceived: () => countUnused(r.recorded),
  };
}

function createResponderState(plan: CausalPlan, options: WorkerResponderOptions): ResponderState {
  const secrets = options.secrets ?? createSecretMask();
  const answersOf = new Map<number | undefined, ExpectedAnswer[]>();
  for (const a of plan.answers) {
    const list = answersOf.get(a.trigger) ?? [];
    list.push(a);
    answersOf.set(a.trigger, list);
  }
  const start = plan.answers.find((a) => a.frame.kind === 'startStream');
  const global = new Map<string, string>();
  // Recordings index worker ids per session, not per frame: read them from the bytes.
  const startIds = start ? describe(start.frame.bytes) : undefined;
  if (startIds?.workerId) global.set(startIds.workerId, options.workerId);
  if (startIds?.requestId) global.set(startIds.requestId, options.requestId);
  return {
    options,
    secrets,
    recorded: indexRecordedHostMessages(plan, secrets),
    answersOf,
    start,
    startMs: start ? Number(start.frame.tNs) / 1e6 : 0,
    global,
    liveFnToRecorded: new Map(),
    liveInvocation: new Map(),
  };
}

/** A recorded answer in live ids (`local`: ids of this exchange, then the session-wide ones); the recorded bytes when nothing changes. */
function rewriteAnswer(r: ResponderState, a: ExpectedAnswer, local: Map<string, string>): ScheduledAnswer {
  const lookup = (id: string) => local.get(id) ?? r.global.get(id);
  const embedded = [...local.keys(), ...r.global.keys()];
  const json = messageToJson(decodeMessage(a.frame.bytes));
  const rewritten = rewriteIds(json, lookup, embedded);
  const bytes =
    JSON.stringify(rewritten) === JSON.stringify(json)
      ? a.frame.bytes
      : encodeMessage(messageFromJson(rewritten));
  return { bytes, kind: a.frame.kind, delayMs: a.serviceMs };
}

function start(r: ResponderState): ScheduledAnswer[] {
  const { options } = r;
  const out: ScheduledAnswer[] = [];
  if (r.start) out.push({ ...rewriteAnswer(r, r.start, new Map()), delayMs: 0 });
  // A recording that starts mid-stream: the host still needs StartStream first.
  else
    out.push({
      bytes: encodeMessage(
        makeMessage({
          requestId: options.requestId,
          content: { case: 'startStream', value: { workerId: options.workerId } },
        }),
      ),
      kind: 'startStream',
      delayMs: 0,
    });
  for (const a of r.answersOf.get(undefined) ?? [])
    if (a !== r.start)
      out.push({
        ...rewriteAnswer(r, a, new Map()),
        delayMs: Math.max(0, Number(a.frame.tNs) / 1e6 - r.startMs),
      });
  return out;
}

function receive(r: ResponderState, bytes: Uint8Array): WorkerResponse {
  const d = describe(bytes);
  const liveJson = comparableView(bytes, r.secrets);
  /** Recorded → live ids that hold for this exchange only (invocation id, status request id). */
  const local = new Map<string, string>();
  const recorded = matchLive(r, d, bytes, liveJson, local);
  const terminate = d.kind === 'workerTerminate';
  if (!recorded && d.kind === 'workerStatusRequest') {
    // A health probe, not the app's traffic: answer it even when the recording has none,
    // or a real host would take the worker for dead.
    const bytes = encodeMessage(
      makeMessage({ requestId: d.requestId ?? '', content: { case: 'workerStatusResponse', value: {} } }),
    );
    return {
      answers: [{ bytes, kind: 'workerStatusResponse', delayMs: 0 }],
      terminate,
      outcome: {
        kind: d.kind,
        key: `${d.kind}:live`,
        status: 'matched',
        differences: [],
        note: 'none recorded: answered with an empty WorkerStatusResponse',
      },
    };
  }
  if (!recorded) {
    return {
      answers: [],
      terminate,
      outcome: {
        kind: d.kind,
        key: `${d.kind}:live`,
        status: 'missing',
        differences: [],
        note: 'no recorded counterpart: nothing to answer with',
        live: liveJson,
      },
    };
  }
  const outcome = compareWithRecorded(r, d.kind, recorded, liveJson, local);
  const answers = (r.answersOf.get(recorded.step.frame.seq) ?? []).map((a) => rewriteAnswer(r, a, local));
  outcome.note = `${answers.length} answer(s) sent`;
  return { answers, terminate, outcome };
}

/** The recorded host message a live one corresponds to (see WorkerResponder); learns the ids it maps. */
function matchLive(
  r: ResponderState,
  d: FrameIndex,
  bytes: Uint8Array,
  liveJson: JsonValue,
  local: Map<string, string>,
): Recorded | undefined {
  switch (d.kind) {
    case 'functionLoadRequest':
    case 'functionLoadRequestCollection':
      return matchLoad(r, d.kind, bytes);
    case 'invocationRequest': {
      const recFn = r.liveFnToRecorded.get(d.functionId ?? '') ?? d.functionId ?? '';
      const inLiveSpace = rewriteIds(liveJson, (id) => r.liveFnToRecorded.get(id), []);
      const recorded = pickInvocation(r.recorded, recFn, inLiveSpace);
      if (recorded && d.invocationId) {
        local.set(recorded.step.frame.invocationId ?? '', d.invocationId);
        r.liveInvocation.set(d.invocationId, { recorded });
      }
      return recorded;
    }
    case 'invocationCancel': {
      const inv = r.liveInvocation.get(d.invocationId ?? '');
      const recIid = inv?.recorded.step.frame.invocationId;
      const recorded = recIid
        ? take(r.recorded, d.kind, (c) =>
            c.step.frame.invocationId === recIid ? 0 : Number.POSITIVE_INFINITY,
          )
        : undefined;
      if (recIid && d.invocationId) local.set(recIid, d.invocationId);
      return recorded;
    }
    case 'workerStatusRequest': {
      const recorded = take(r.recorded, d.kind);
      if (recorded?.step.frame.requestId) local.set(recorded.step.frame.requestId, d.requestId ?? '');
      return recorded;
    }
    default:
      return take(r.recorded, d.kind);
  }
}

/** A load matches by function name (a collection by occurrence); the live function ids are learned from it. */
function matchLoad(
  r: ResponderState,
  kind: 'functionLoadRequest' | 'functionLoadRequestCollection',
  bytes: Uint8Array,
): Recorded | undefined {
  const live = functionNames(bytes);
  const recorded =
    kind === 'functionLoadRequest'
      ? take(r.recorded, kind, (c) =>
          functionNames(c.step.frame.bytes)[0]?.name === live[0]?.name ? 0 : Number.POSITIVE_INFINITY,
        )
      : take(r.recorded, kind);
  if (recorded) {
    const names = new Map(functionNames(recorded.step.frame.bytes).map((f) => [f.name, f.functionId]));
    for (const f of live) {
      const rec = names.get(f.name);
      if (rec === undefined) continue;
      r.liveFnToRecorded.set(f.functionId, rec);
      r.global.set(rec, f.functionId);
    }
  }
  return recorded;
}

/** The live message, mapped back to recorded ids, diffed against its recorded counterpart. */
function compareWithRecorded(
  r: ResponderState,
  kind: string,
  recorded: Recorded,
  liveJson: JsonValue,
  local: Map<string, string>,
): ReplayOutcome {
  const recFrame = recorded.step.frame;
  const backToRecorded = new Map<string, string>();
  for (const [rec, live] of [...r.global, ...local]) backToRecorded.set(live, rec);
  for (const [live, rec] of r.liveFnToRecorded) backToRecorded.set(live, rec);
  const differences = diffJson(
    recorded.json,
    rewriteIds(liveJson, (id) => backToRecorded.get(id), [...backToRecorded.keys()]),
    r.options.ignore,
    r.secrets.text,
  );
  const outcome: ReplayOutcome = {
    kind,
    key: `${kind}:${recFrame.invocationId ?? recFrame.functionId ?? recFrame.seq}`,
    status: differences.length ? 'differed' : 'matched',
    recordedSeq: recFrame.seq,
    differences,
  };
  if (recFrame.invocationId) outcome.invocationId = recFrame.invocationId;
  if (recFrame.functionId) outcome.functionId = recFrame.functionId;
  return outcome;
}
