import { messageFrame } from '../codec/compression.js';
import { decodeMessage, type StreamingMessage } from '../codec/streaming-message.js';
import type { Direction, StoredFrame } from '../model/frame.js';

/** The facts of a session's frame that trace exports draw, in the frame's seq order. */
export type InvocationEvent = InvocationStart | InvocationEnd | InvocationLog | ControlMessage;

/** Where an event sits in time: ns since the session started, and wall-clock ms. */
export interface EventTime {
  tNs: bigint;
  wallMs: number;
  seq: number;
}

export interface OpenInvocation {
  invocationId: string;
  functionId: string;
  /** The function's name from its load request or metadata (the id when never named). */
  functionName: string;
  /** OpenTelemetry `faas.trigger` from the function's trigger binding (`other` when unknown). */
  trigger: string;
  /** The request's W3C trace context, when the host sent one. */
  traceParent?: string;
  traceState?: string;
  requestBytes: number;
  start: EventTime;
}

export interface InvocationStart {
  type: 'start';
  invocation: OpenInvocation;
}

export interface InvocationEnd {
  type: 'end';
  invocation: OpenInvocation;
  at: EventTime;
  /** StatusResult.status (Success, Failure, Cancelled), `none` without one, `unanswered` at session end. */
  status: string;
  /** The exception message of a failed answer. */
  error?: string;
  /** The host sent an InvocationCancel for it before the answer. */
  cancelled: boolean;
  responseBytes: number;
  /** Logs carrying the invocation's id, in order (kept only when asked: the OTLP span events). */
  logs: InvocationLog[];
}

export interface InvocationLog {
  type: 'log';
  at: EventTime;
  invocationId?: string;
  /** The open invocation the log belongs to, if any. */
  invocation?: OpenInvocation;
  level: string;
  category: string;
  message: string;
}

/** Any other message: init, metadata, loads, reloads, status, cancel, terminate, undecodable bytes. */
export interface ControlMessage {
  type: 'control';
  at: EventTime;
  kind: string;
  direction: Direction;
  size: number;
  invocationId?: string;
  functionId?: string;
}

const STATUS = ['Failure', 'Success', 'Cancelled'];
const LEVEL = ['Trace', 'Debug', 'Information', 'Warning', 'Error', 'Critical', 'None'];

/** OpenTelemetry `faas.trigger` values by Azure Functions trigger binding type (lower case). */
const TRIGGERS: Readonly<Record<string, string>> = {
  httptrigger: 'http',
  timertrigger: 'timer',
  queuetrigger: 'pubsub',
  servicebustrigger: 'pubsub',
  eventhubtrigger: 'pubsub',
  eventgridtrigger: 'pubsub',
  kafkatrigger: 'pubsub',
  rabbitmqtrigger: 'pubsub',
  blobtrigger: 'datasource',
  cosmosdbtrigger: 'datasource',
  sqltrigger: 'datasource',
};

export interface InvocationEvents {
  /** The events one frame gives (none, one, or a start plus nothing else). */
  frame(frame: StoredFrame): InvocationEvent[];
  /** Ends for the invocations still open when the session stopped, at `at` (status `unanswered`). */
  finish(at: EventTime): InvocationEnd[];
  /** Invocations started and not yet answered. */
  inFlight(): number;
}

/**
 * Pairs a session's invocation requests with their answers, frame by frame (sans-IO).
 *
 * Contract: every `start` is followed by exactly one `end` for the same invocation, from
 * its InvocationResponse, from a later request with the same id (`unanswered`) or from
 * `finish`; memory follows the invocations in flight (and,
 * with `keepLogs`, their logs), never the session's length. Bytes that do not decode are a
 * `control` event of kind `unknown`, never an error.
 */
export function createInvocationEvents(options: { keepLogs: boolean }): InvocationEvents {
  const state: EventsState = { keepLogs: options.keepLogs, functions: new Map(), open: new Map() };
  return {
    frame(f) {
      const at: EventTime = { tNs: f.tNs, wallMs: f.wallMs, seq: f.seq };
      let m: StreamingMessage;
      try {
        m = decodeMessage(messageFrame(f).bytes);
      } catch {
        return [control(f, at)];
      }
      return onMessage(state, f, m, at);
    },
    finish(at) {
      const ends = [...state.open.values()].map((o) => unanswered(o, at));
      state.open.clear();
      return ends;
    },
    inFlight: () => state.open.size,
  };
}

/** What pairing remembers: each function's name and trigger, and the invocations open by id. */
interface EventsState {
  readonly keepLogs: boolean;
  readonly functions: Map<string, { name: string; trigger: string }>;
  readonly open: Map<string, Open>;
}

/** The events of one decoded message (a control event unless it is one of the kinds below). */
function onMessage(s: EventsState, f: StoredFrame, m: StreamingMessage, at: EventTime): InvocationEvent[] {
  const c = m.content;
  switch (c.case) {
    case 'functionLoadRequest':
      learn(s, c.value.functionId, c.value.metadata);
      break;
    case 'functionLoadRequestCollection':
      for (const l of c.value.functionLoadRequests) learn(s, l.functionId, l.metadata);
      break;
    case 'functionMetadataResponse':
      for (const meta of c.value.functionMetadataResults) learn(s, meta.functionId, meta);
      break;
    case 'invocationRequest':
      return onRequest(s, f, c.value, at);
    case 'invocationResponse': {
      const end = onResponse(s, f, c.value, at);
      if (end) return [end];
      break;
    }
    case 'invocationCancel': {
      const o = s.open.get(c.value.invocationId);
      if (o) o.cancelled = true;
      break;
    }
    case 'rpcLog':
      return [onLog(s, c.value, at)];
    default:
  }
  return [control(f, at)];
}

function learn(s: EventsState, functionId: string, meta: RpcMetadata | undefined): void {
  if (!functionId || !meta) return;
  const trigger = Object.values(meta.bindings ?? {}).find((b) => b.type.toLowerCase().endsWith('trigger'));
  s.functions.set(functionId, {
    name: meta.name || functionId,
    trigger: trigger ? (TRIGGERS[trigger.type.toLowerCase()] ?? 'other') : 'other',
  });
}

function control(f: StoredFrame, at: EventTime): ControlMessage {
  const c: ControlMessage = { type: 'control', at, kind: f.kind, direction: f.direction, size: f.size };
  if (f.invocationId) c.invocationId = f.invocationId;
  if (f.functionId) c.functionId = f.functionId;
  return c;
}

type Content<K extends string> = Extract<StreamingMessage['content'], { case: K }>['value'];

/** Open the invocation; an id sent again while open ends the first one here, unanswered (one end per start). */
function onRequest(
  s: EventsState,
  f: StoredFrame,
  r: Content<'invocationRequest'>,
  at: EventTime,
): InvocationEvent[] {
  const fn = s.functions.get(r.functionId);
  const invocation: OpenInvocation = {
    invocationId: r.invocationId,
    functionId: r.functionId,
    functionName: fn?.name ?? r.functionId,
    trigger: fn?.trigger ?? 'other',
    requestBytes: f.size,
    start: at,
  };
  const trace = r.traceContext;
  if (trace?.traceParent) invocation.traceParent = trace.traceParent;
  if (trace?.traceState) invocation.traceState = trace.traceState;
  const prior = s.open.get(invocation.invocationId);
  s.open.set(invocation.invocationId, { invocation, cancelled: false, logs: [] });
  const start: InvocationStart = { type: 'start', invocation };
  return prior ? [unanswered(prior, at), start] : [start];
}

/** The end of an open invocation (undefined for an answer to none). */
function onResponse(
  s: EventsState,
  f: StoredFrame,
  r: Content<'invocationResponse'>,
  at: EventTime,
): InvocationEnd | undefined {
  const o = s.open.get(r.invocationId);
  if (!o) return undefined;
  s.open.delete(r.invocationId);
  const result = r.result;
  const end: InvocationEnd = {
    type: 'end',
    invocation: o.invocation,
    at,
    status: result ? (STATUS[result.status] ?? String(result.status)) : 'none',
    cancelled: o.cancelled,
    responseBytes: f.size,
    logs: o.logs,
  };
  if (result?.exception?.message) end.error = result.exception.message;
  return end;
}

/** A log, tied to its open invocation (and kept on it with `keepLogs`). */
function onLog(s: EventsState, l: Content<'rpcLog'>, at: EventTime): InvocationLog {
  const log: InvocationLog = {
    type: 'log',
    at,
    level: LEVEL[l.level] ?? String(l.level),
    category: l.category,
    message: l.message,
  };
  const o = l.invocationId ? s.open.get(l.invocationId) : undefined;
  if (l.invocationId) log.invocationId = l.invocationId;
  if (o) {
    log.invocation = o.invocation;
    if (s.keepLogs) o.logs.push(log);
  }
  return log;
}

type Open = { invocation: OpenInvocation; cancelled: boolean; logs: InvocationLog[] };

function unanswered(o: Open, at: EventTime): InvocationEnd {
  return {
    type: 'end',
    invocation: o.invocation,
    at,
    status: 'unanswered',
    cancelled: o.cancelled,
    responseBytes: 0,
    logs: o.logs,
  };
}

type RpcMetadata = { name: string; bindings?: Record<string, { type: string }> };
