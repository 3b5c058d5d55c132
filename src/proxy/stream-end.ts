import type { EndReason, StreamStatus } from '../model/session.js';
import type { StreamEndCommand, StreamEndDecider, StreamEndEvent } from '../model/stream-end.js';
import { CONNECTION_DROPPED, statusForRstCode, unreachableStatus } from './stream-statuses.js';

/** HTTP/2 error codes the decision uses. */
export const RST = { NO_ERROR: 0, CANCEL: 8 } as const;

/**
 * What the end-of-stream decision knows about one relayed stream. Every field is set by
 * an event or by a command the decision itself gave; nothing is read from a socket.
 */
export interface StreamEndState {
  /** The recorded end: the first decision wins. */
  decided: { status: StreamStatus | null; reason: EndReason } | null;
  /** The status the host gave (trailers, or a trailers-only response). */
  upStatus: StreamStatus | null;
  upTrailers: boolean;
  /** The status the relay put in the worker's trailers instead of the host's. */
  override: StreamStatus | null;
  /** An upstream stream was opened. */
  upOpened: boolean;
  /** The worker was answered (headers sent). */
  responded: boolean;
  /** The worker leg was ended by the relay. */
  workerEnded: boolean;
  /** The relay ended the upstream leg's writable side (after the worker's END_STREAM). */
  upWriteEnded: boolean;
  /** The host's END_STREAM arrived. */
  upReadEnded: boolean;
  workerClosed: boolean;
  upClosed: boolean;
  /** The relay was told to reset the upstream leg. */
  upResetSent: boolean;
  finished: boolean;
}

export function createStreamEndState(): StreamEndState {
  return {
    decided: null,
    upStatus: null,
    upTrailers: false,
    override: null,
    upOpened: true,
    responded: false,
    workerEnded: false,
    upWriteEnded: false,
    upReadEnded: false,
    workerClosed: false,
    upClosed: false,
    upResetSent: false,
    finished: false,
  };
}

/**
 * The decision of what each side gets when a leg ends, breaks or resets, so that both
 * see what they would see connected directly (docs/RELIABILITY.md, "Ends and errors").
 *
 * Invariants: the first decided status and reason are the recorded ones; the worker gets
 * at most one response and one end; `tap-end` comes exactly once, after both legs
 * closed, and nothing follows it.
 */
export function stepStreamEnd(st: StreamEndState, event: StreamEndEvent): StreamEndCommand[] {
  const out: StreamEndCommand[] = [];
  switch (event.type) {
    case 'upstream-unavailable': {
      st.upOpened = false;
      const status = unreachableStatus(event.error);
      decide(st, status, 'host-gone');
      statusToWorker(st, status, out);
      st.upClosed = true;
      break;
    }
    case 'upstream-response':
      onResponse(st, event.endStream, event.status, out);
      break;
    case 'upstream-trailers':
      st.upTrailers = true;
      st.upStatus = event.status;
      if (event.status) decideByHost(st, event.status);
      break;
    case 'upstream-end':
      st.upReadEnded = true;
      // Without trailers the end means the leg broke: 'upstream-closed' decides what the worker gets.
      if (st.upTrailers && st.responded && !st.workerEnded && !st.workerClosed) {
        st.workerEnded = true;
        out.push({ type: 'end-worker' });
      }
      break;
    case 'upstream-closed':
      onUpstreamClosed(st, event, out);
      break;
    case 'worker-end':
      if (st.upOpened && !st.upWriteEnded && !st.upClosed) {
        st.upWriteEnded = true;
        out.push({ type: 'end-upstream' });
      }
      break;
    case 'worker-closed':
      onWorkerClosed(st, event.rstCode, out);
      break;
    case 'want-trailers':
      out.push(st.override ? { type: 'send-trailers', status: st.override } : { type: 'send-trailers' });
      break;
    case 'abort':
      if (st.finished) break;
      decide(st, event.status, event.reason);
      out.push({ type: 'release', side: 'worker' }, { type: 'release', side: 'upstream' });
      statusToWorker(st, event.status, out);
      resetUpstream(st, RST.CANCEL, out);
      break;
  }
  finish(st, out);
  return out;
}

/** A decider for one stream (the factory the relay is given). */
export function createStreamEnd(): StreamEndDecider {
  const st = createStreamEndState();
  return (event) => stepStreamEnd(st, event);
}

function decide(st: StreamEndState, status: StreamStatus | null, reason: EndReason): void {
  st.decided ??= { status, reason };
}

function decideByHost(st: StreamEndState, status: StreamStatus): void {
  decide(st, status, status.code === 0 ? 'completed' : 'error-status');
}

/** Give the worker a final status, as trailers-only or as trailers after what was sent. */
function statusToWorker(st: StreamEndState, status: StreamStatus, out: StreamEndCommand[]): void {
  if (st.workerClosed) return;
  if (!st.responded) {
    st.responded = true;
    st.workerEnded = true;
    out.push({ type: 'respond-status', status });
  } else if (!st.workerEnded) {
    st.workerEnded = true;
    st.override = status;
    out.push({ type: 'end-worker', status });
  }
}

function onResponse(
  st: StreamEndState,
  endStream: boolean,
  status: StreamStatus | null,
  out: StreamEndCommand[],
): void {
  if (st.workerClosed || st.responded) return;
  st.responded = true;
  if (endStream) {
    st.upStatus = status;
    if (status) decideByHost(st, status);
    st.workerEnded = true;
  }
  out.push({ type: 'respond', endStream });
}

function onUpstreamClosed(
  st: StreamEndState,
  e: Extract<StreamEndEvent, { type: 'upstream-closed' }>,
  out: StreamEndCommand[],
): void {
  st.upClosed = true;
  out.push({ type: 'release', side: 'upstream' });
  if (st.upStatus) {
    decideByHost(st, st.upStatus);
    // The worker normally ended first; if not, it gets the host's status and the reset
    // that grpc-js itself would send after the status.
    if (!st.responded) statusToWorker(st, st.upStatus, out);
    return;
  }
  if (st.decided) return;
  const code = e.rstCode ?? RST.CANCEL;
  if (!e.connected) {
    const status = unreachableStatus(e.error ?? new Error('connection closed'));
    decide(st, status, 'host-gone');
    statusToWorker(st, status, out);
  } else if (e.dropped) {
    decide(st, CONNECTION_DROPPED, 'host-gone');
    statusToWorker(st, CONNECTION_DROPPED, out);
  } else {
    decide(st, statusForRstCode(code), 'host-gone');
    if (!st.workerClosed) out.push({ type: 'close-worker', code });
  }
}

function onWorkerClosed(st: StreamEndState, rstCode: number | undefined, out: StreamEndCommand[]): void {
  st.workerClosed = true;
  out.push({ type: 'release', side: 'worker' });
  decide(
    st,
    { code: 1, details: `the worker ended the stream (RST_STREAM code ${rstCode ?? RST.CANCEL})` },
    'worker-gone',
  );
  if (st.upOpened && !st.upClosed) {
    const code = rstCode && rstCode !== RST.NO_ERROR ? rstCode : RST.CANCEL;
    if (st.decided?.reason === 'worker-gone' || !st.upWriteEnded || !st.upReadEnded)
      resetUpstream(st, code, out);
  }
}

function resetUpstream(st: StreamEndState, code: number, out: StreamEndCommand[]): void {
  if (!st.upOpened || st.upClosed || st.upResetSent) return;
  st.upResetSent = true;
  out.push({ type: 'close-upstream', code });
}

function finish(st: StreamEndState, out: StreamEndCommand[]): void {
  if (st.finished || !st.workerClosed || !st.upClosed) return;
  st.finished = true;
  out.push({
    type: 'tap-end',
    status: st.decided?.status ?? null,
    reason: st.decided?.reason ?? 'worker-gone',
  });
}
