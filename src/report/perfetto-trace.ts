import type { StoredFrame } from '../model/frame.js';
import type { SessionInfo } from '../model/session.js';
import {
  createInvocationEvents,
  type EventTime,
  type InvocationEvent,
  type InvocationEvents,
} from './invocation-events.js';

/**
 * Chrome trace-event JSON (the format ui.perfetto.dev and chrome://tracing open), written as
 * a stream: `PERFETTO_HEAD`, then every event string of every session on a line of its own
 * (a comma before each but the first), then `PERFETTO_TAIL`. Nothing is held but the invocations in flight, so a session of any length
 * is written in constant memory.
 *
 * Layout: a process per session (pid = session id); each invocation an async slice (`b`/`e`,
 * cat `invocation`, named after its function, so each function gets its own track; id
 * `session:invocation`), RpcLogs instant events on the `RpcLog` thread, other messages instant
 * events on the `control` thread, and an `in flight` counter. `ts` is µs since the start of
 * the earliest session exported (of the session itself when there is one).
 */
export const PERFETTO_HEAD = '{"displayTimeUnit":"ms","traceEvents":[\n';
export const PERFETTO_TAIL = ']}\n';

const CONTROL_TID = 1;
const LOG_TID = 2;
const MAX_NAME = 80;

export interface PerfettoSession {
  /** Metadata events (process and thread names). */
  begin(): string[];
  frame(frame: StoredFrame): string[];
  /** Ends of the invocations still open, at the session's end (or its last frame, `lastNs`). */
  end(lastNs: bigint): string[];
}

/** What rendering a session's events needs: its pid, its ts offset and the pairing state. */
interface TraceContext {
  readonly pid: number;
  readonly offsetUs: number;
  readonly events: InvocationEvents;
}

/** `originWallMs`: the wall-clock instant ts 0 stands for (the earliest session's start). */
export function createPerfettoSession(session: SessionInfo, originWallMs: number): PerfettoSession {
  const pid = session.id;
  const t: TraceContext = {
    pid,
    offsetUs: Math.round((session.startWallMs - originWallMs) * 1000),
    events: createInvocationEvents({ keepLogs: false }),
  };
  const render = (e: InvocationEvent) => renderEvent(t, e);
  return {
    begin() {
      const label = session.label ? ` (${session.label})` : '';
      const meta = (name: string, tid: number, value: string) =>
        json({ name, ph: 'M', ts: 0, pid, tid, args: { name: value } });
      return [
        meta('process_name', 0, `session ${session.id}${label}`),
        meta('thread_name', CONTROL_TID, 'control'),
        meta('thread_name', LOG_TID, 'RpcLog'),
      ];
    },
    frame: (f) => t.events.frame(f).flatMap(render),
    end(lastNs) {
      const endNs = session.end && session.end.endNs > lastNs ? session.end.endNs : lastNs;
      return t.events
        .finish({ tNs: endNs, wallMs: session.startWallMs + Number(endNs) / 1e6, seq: -1 })
        .flatMap(render);
    },
  };
}

const json = (e: object) => JSON.stringify(e);
const ts = (t: TraceContext, tNs: bigint) => t.offsetUs + Number(tNs) / 1000;

/** The `in flight` counter as of now (read after the event was paired). */
function counter(t: TraceContext, at: EventTime): string {
  const args = { invocations: t.events.inFlight() };
  return json({ name: 'in flight', ph: 'C', ts: ts(t, at.tNs), pid: t.pid, tid: 0, args });
}

/** The trace events of one invocation event (see the layout above). */
function renderEvent(t: TraceContext, e: InvocationEvent): string[] {
  const { pid } = t;
  switch (e.type) {
    case 'start': {
      const inv = e.invocation;
      const args: Record<string, unknown> = {
        invocationId: inv.invocationId,
        functionId: inv.functionId,
        seq: inv.start.seq,
        requestBytes: inv.requestBytes,
      };
      if (inv.traceParent) args.traceParent = inv.traceParent;
      const begin = { name: inv.functionName, cat: 'invocation', ph: 'b', id: `${pid}:${inv.invocationId}` };
      return [json({ ...begin, ts: ts(t, inv.start.tNs), pid, tid: 0, args }), counter(t, inv.start)];
    }
    case 'end': {
      const inv = e.invocation;
      const args: Record<string, unknown> = { status: e.status, responseBytes: e.responseBytes };
      if (e.cancelled) args.cancelled = true;
      if (e.error) args.error = e.error;
      if (e.status !== 'unanswered') args.responseSeq = e.at.seq;
      const end = { name: inv.functionName, cat: 'invocation', ph: 'e', id: `${pid}:${inv.invocationId}` };
      return [json({ ...end, ts: ts(t, e.at.tNs), pid, tid: 0, args }), counter(t, e.at)];
    }
    case 'log': {
      const args: Record<string, unknown> = { seq: e.at.seq, level: e.level, message: e.message };
      if (e.invocationId) args.invocationId = e.invocationId;
      if (e.category) args.category = e.category;
      const name = clip(`${e.level}: ${e.message}`);
      return [json({ name, cat: 'rpcLog', ph: 'i', s: 't', ts: ts(t, e.at.tNs), pid, tid: LOG_TID, args })];
    }
    case 'control': {
      const args: Record<string, unknown> = { seq: e.at.seq, direction: e.direction, bytes: e.size };
      if (e.invocationId) args.invocationId = e.invocationId;
      if (e.functionId) args.functionId = e.functionId;
      const ev = {
        name: e.kind,
        cat: 'control',
        ph: 'i',
        s: 't',
        ts: ts(t, e.at.tNs),
        pid,
        tid: CONTROL_TID,
        args,
      };
      return [json(ev)];
    }
  }
}

function clip(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > MAX_NAME ? `${one.slice(0, MAX_NAME - 1)}…` : one;
}
