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
  const functions = new Map<string, { name: string; trigger: string }>();
  const open = new Map<string, Open>();

  function learn(functionId: string, meta: RpcMetadata | undefined): void {
    if (!functionId || !meta) return;
    const trigger = Object.values(meta.bindings ?? {}).find((b) => b.type.toLowerCase().endsWith('trigger'));
    functions.set(functionId, {
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

  function onMessage(f: StoredFrame, m: StreamingMessage, at: EventTime): InvocationEvent[] {
    const c = m.content;
    switch (c.case) {
      case 'functionLoadRequest':
        learn(c.value.functionId, c.value.metadata);
        break;
      case 'functionLoadRequestCollection':
        for (const l of c.value.functionLoadRequests) learn(l.functionId, l.metadata);
        break;
      case 'functionMetadataResponse':
        for (const meta of c.value.functionMetadataResults) learn(meta.functionId, meta);
        break;
      case 'invocationRequest': {
        const fn = functions.get(c.value.functionId);
        const invocation: OpenInvocation = {
          invocationId: c.value.invocationId,
          functionId: c.value.functionId,
          functionName: fn?.name ?? c.value.functionId,
          trigger: fn?.trigger ?? 'other',
          requestBytes: f.size,
          start: at,
        };
        const trace = c.value.traceContext;
        if (trace?.traceParent) invocation.traceParent = trace.traceParent;
        if (trace?.traceState) invocation.traceState = trace.traceState;
        // An id sent again while open: the first one ends here, unanswered (one end per start).
        const prior = open.get(invocation.invocationId);
        open.set(invocation.invocationId, { invocation, cancelled: false, logs: [] });
        const start: InvocationStart = { type: 'start', invocation };
        return prior ? [unanswered(prior, at), start] : [start];
      }
      case 'invocationResponse': {
        const o = open.get(c.value.invocationId);
        if (!o) break;
        open.delete(c.value.invocationId);
        const result = c.value.result;
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
        return [end];
      }
      case 'invocationCancel': {
        const o = open.get(c.value.invocationId);
        if (o) o.cancelled = true;
        break;
      }
      case 'rpcLog': {
        const log: InvocationLog = {
          type: 'log',
          at,
          level: LEVEL[c.value.level] ?? String(c.value.level),
          category: c.value.category,
          message: c.value.message,
        };
        const o = c.value.invocationId ? open.get(c.value.invocationId) : undefined;
        if (c.value.invocationId) log.invocationId = c.value.invocationId;
        if (o) {
          log.invocation = o.invocation;
          if (options.keepLogs) o.logs.push(log);
        }
        return [log];
      }
      default:
    }
    return [control(f, at)];
  }

  return {
    frame(f) {
      const at: EventTime = { tNs: f.tNs, wallMs: f.wallMs, seq: f.seq };
      let m: StreamingMessage;
      try {
        m = decodeMessage(messageFrame(f).bytes);
      } catch {
        return [control(f, at)];
      }
      return onMessage(f, m, at);
    },
    finish(at) {
      const ends = [...open.values()].map((o) => unanswered(o, at));
      open.clear();
      return ends;
    },
    inFlight: () => open.size,
  };
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
