import { assignTriggers, collectionFunctionIds, responseCollectionFunctionIds } from './answer-triggers.js';
import { frameMs, LOG_KIND, type ReplayFrame } from './replay-frame.js';

/** Host messages that prepare a worker rather than use it. */
export const SETUP_KINDS: ReadonlySet<string> = new Set([
  'workerInitRequest',
  'functionsMetadataRequest',
  'functionLoadRequest',
  'functionLoadRequestCollection',
  'functionEnvironmentReloadRequest',
  'workerWarmupRequest',
]);

/** An event of the replay a host message can wait for, named by recorded seq. */
export type GateRef = { type: 'answer'; seq: number } | { type: 'sent'; seq: number };

/**
 * One recorded host→worker message and when it may be sent live.
 *
 * Invariant: every event the gate names precedes the message in the recording, so a
 * plan can always be played to the end (a missing answer resolves by timeout).
 */
export interface PlanStep {
  frame: ReplayFrame;
  /** Explicit events that must have happened live first. */
  after: GateRef[];
  /** Every recorded host message before this one must have been sent first. */
  afterAllSent: boolean;
  /** Every recorded non-log answer before this one must be matched or declared missing first. */
  afterAllAnswered: boolean;
  /** The gate event that happened last in the recording (undefined: the stream start). */
  releasedBy?: GateRef;
  /** Recorded ms between the releasing event and this message (≥ 0). */
  delayMs: number;
  /** Faults: ms added after the paced delay, never scaled by the pace. */
  extraDelayMs?: number;
  /** Faults: what was done to this message, listed in the report when it is sent. */
  fault?: {
    fault: string;
    detail: string /** functape added this message (it has no recorded seq). */;
    added?: boolean;
  };
  /** Faults: a duplicate, sent as the very bytes sent for the step of this recorded seq. */
  copyOf?: number;
}

/** A recorded worker→host message a live worker is expected to reproduce. */
export interface ExpectedAnswer {
  frame: ReplayFrame;
  /** Seq of the host message it answers; undefined when the worker sent it unprompted. */
  trigger?: number;
  /** Recorded ms between the trigger (or stream start) and this answer: its service time. */
  serviceMs: number;
}

export interface CausalPlan {
  steps: PlanStep[];
  answers: ExpectedAnswer[];
  /** The most invocations the recorded host had in flight at once (sent, not yet answered). */
  peakInFlight: number;
}

export interface PlanOptions {
  /**
   * Also gate every host message on the sending of the one recorded before it, so host
   * messages go out in recorded order (a worker whose answers depend on the order of
   * independent invocations then sees the recorded order at any pace).
   */
  inOrder?: boolean;
}

/**
 * Build the causal plan of a recorded session (frames in seq order): each host message
 * gated on the worker answers it depended on — StartStream before anything, init before
 * everything else, metadata before loads, a function's load response before its
 * invocations, an invocation's request before its cancel, everything sent before a
 * status request, everything sent and answered before a terminate or environment reload —
 * and its recorded delay after the releasing event.
 */
export function planSession(frames: readonly ReplayFrame[], options: PlanOptions = {}): CausalPlan {
  const s: PlanState = {
    inOrder: options.inOrder ?? false,
    triggers: assignTriggers(frames),
    bySeq: new Map(frames.map((f) => [f.seq, f])),
    steps: [],
    answers: [],
    loadRequestByFn: new Map(),
    loadResponseByFn: new Map(),
    invocationRequest: new Map(),
    open: new Set(),
    peakInFlight: 0,
  };
  for (const f of frames) {
    if (f.direction === 'toHost') onAnswer(s, f);
    else onHostMessage(s, f);
  }
  return { steps: s.steps, answers: s.answers, peakInFlight: s.peakInFlight };
}

/**
 * What planning has seen so far, frame by frame: the seq of the last message of each kind a
 * gate can name (undefined: none yet), each function's load request and answer, each
 * invocation's request, and the invocations open (sent, not yet answered).
 */
interface PlanState {
  readonly inOrder: boolean;
  readonly triggers: ReadonlyMap<number, number | undefined>;
  readonly bySeq: ReadonlyMap<number, ReplayFrame>;
  readonly steps: PlanStep[];
  readonly answers: ExpectedAnswer[];
  startStream?: number;
  initRequest?: number;
  initResponse?: number;
  metadataResponse?: number;
  reloadResponse?: number;
  lastHost?: number;
  /** The last non-log answer. */
  lastAnswer?: number;
  readonly loadRequestByFn: Map<string, number>;
  readonly loadResponseByFn: Map<string, number>;
  readonly invocationRequest: Map<string, number>;
  readonly open: Set<string>;
  peakInFlight: number;
}

/** A worker→host message: an expected answer, and (unless a log) an event gates can name. */
function onAnswer(s: PlanState, f: ReplayFrame): void {
  const trigger = s.triggers.get(f.seq);
  const from = trigger === undefined ? 0 : frameMs(s.bySeq.get(trigger)!);
  s.answers.push({ frame: f, trigger, serviceMs: Math.max(0, frameMs(f) - from) });
  if (f.kind === 'invocationResponse' && f.invocationId) s.open.delete(f.invocationId);
  if (f.kind === LOG_KIND) return;
  s.lastAnswer = f.seq;
  if (f.kind === 'startStream' && s.startStream === undefined) s.startStream = f.seq;
  if (f.kind === 'workerInitResponse') s.initResponse = f.seq;
  if (f.kind === 'functionMetadataResponse') s.metadataResponse = f.seq;
  if (f.kind === 'functionEnvironmentReloadResponse') s.reloadResponse = f.seq;
  if (f.kind === 'functionLoadResponse' && f.functionId) s.loadResponseByFn.set(f.functionId, f.seq);
  if (f.kind === 'functionLoadResponseCollection')
    for (const id of responseCollectionFunctionIds(f.bytes)) s.loadResponseByFn.set(id, f.seq);
}

/** A host→worker message: its step, gated and timed by what came before. */
function onHostMessage(s: PlanState, f: ReplayFrame): void {
  const { after, afterAllSent, afterAllAnswered } = gateOf(s, f);
  const candidates = dedupe(after);
  if (afterAllSent && s.lastHost !== undefined) candidates.push({ type: 'sent', seq: s.lastHost });
  if (afterAllAnswered && s.lastAnswer !== undefined) candidates.push({ type: 'answer', seq: s.lastAnswer });
  let releasedBy: GateRef | undefined;
  for (const ref of candidates) if (!releasedBy || ref.seq > releasedBy.seq) releasedBy = ref;
  const from = releasedBy ? frameMs(s.bySeq.get(releasedBy.seq)!) : 0;
  s.steps.push({
    frame: f,
    after: dedupe(after),
    afterAllSent,
    afterAllAnswered,
    releasedBy,
    delayMs: Math.max(0, frameMs(f) - from),
  });
  s.lastHost = f.seq;
}

/** The gate of a host message (see `planSession`), noting what later gates will name. */
function gateOf(
  s: PlanState,
  f: ReplayFrame,
): { after: GateRef[]; afterAllSent: boolean; afterAllAnswered: boolean } {
  const after: GateRef[] = [];
  const answer = (seq: number | undefined) => seq !== undefined && after.push({ type: 'answer', seq });
  const sent = (seq: number | undefined) => seq !== undefined && after.push({ type: 'sent', seq });
  let afterAllSent = false;
  let afterAllAnswered = false;
  answer(s.startStream);
  if (s.inOrder) sent(s.lastHost);
  if (f.kind !== 'workerInitRequest') {
    sent(s.initRequest);
    answer(s.initResponse);
  }
  switch (f.kind) {
    case 'workerInitRequest':
      s.initRequest = f.seq;
      s.initResponse = undefined;
      break;
    case 'functionsMetadataRequest':
      break;
    case 'functionLoadRequest':
    case 'functionLoadRequestCollection':
      answer(s.metadataResponse);
      answer(s.reloadResponse);
      if (f.functionId) s.loadRequestByFn.set(f.functionId, f.seq);
      for (const id of f.kind === 'functionLoadRequestCollection' ? collectionFunctionIds(f.bytes) : [])
        s.loadRequestByFn.set(id, f.seq);
      break;
    case 'invocationRequest': {
      const fn = f.functionId ?? '';
      if (s.loadResponseByFn.has(fn)) answer(s.loadResponseByFn.get(fn));
      else sent(s.loadRequestByFn.get(fn));
      if (f.invocationId) {
        s.invocationRequest.set(f.invocationId, f.seq);
        s.open.add(f.invocationId);
        s.peakInFlight = Math.max(s.peakInFlight, s.open.size);
      }
      break;
    }
    case 'invocationCancel':
      sent(s.invocationRequest.get(f.invocationId ?? ''));
      break;
    case 'workerTerminate':
    case 'functionEnvironmentReloadRequest':
      afterAllSent = true;
      afterAllAnswered = true;
      break;
    default:
      afterAllSent = true;
  }
  return { after, afterAllSent, afterAllAnswered };
}

function dedupe(refs: GateRef[]): GateRef[] {
  const seen = new Set<string>();
  return refs.filter((r) => {
    const k = `${r.type}:${r.seq}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
