import type { CaptureEvent } from '../model/event.js';
import type { Direction } from '../model/frame.js';
import type { EndReason, Metadata, StreamStatus } from '../model/session.js';
import type { CaptureStore } from '../model/store.js';
import { workerTerminateGraceMs } from '../codec/worker-terminate.js';

/**
 * Turns what a relay observes into CaptureEvents for a CaptureStore. Sans-IO: no
 * sockets, no clock of its own (every observation carries its monotonic time), no SQL.
 * Frames go to `store.writeFrame` when the store has it (numbers only: nothing is
 * allocated per message), else to `store.write` as `frame` events.
 *
 * Contracts:
 * - Per session: exactly one `session-start` first, then its frames with `seq` counting
 *   both directions from 0 and `dirSeq` each direction from 0, then exactly one
 *   `session-end`. Messages after `close` are ignored.
 * - `tNs` is the message's time since the session's opening (`sinceOpenNs`, rounded to
 *   whole ns, negative taken as 0); `wallMs` is the session's wall-clock start plus that
 *   offset (so wall time never runs backwards in a session).
 * - Frame bytes are handed to the store as given (the relay's may be views of a received
 *   chunk, never mutated afterwards; the store copies them into its batch): the recorder
 *   never copies or keeps them, and decodes none but a WorkerTerminate (the first tag
 *   bytes of each host message are looked at to notice it).
 * - A session that ends `worker-gone` after a WorkerTerminate ends `terminated` instead:
 *   the worker did what the protocol asks.
 * - Backpressure: when `store.write` returns false the recorder calls `flow.pause()`
 *   once, and `flow.resume()` when `store.drained()` resolves.
 * - Store errors: with `onStoreError: 'forward'` each is reported with `fatal: false`
 *   and recording goes on; with `'fail'` the first is reported with `fatal: true` (the
 *   caller ends the streams).
 */
export interface CaptureRecorderOptions {
  store: CaptureStore;
  label?: string;
  functapeVersion: string;
  schemaVersion: string;
  /** Stop and restart reading from every peer (store backpressure). */
  flow: { pause(): void; resume(): void };
  onStoreError?: 'forward' | 'fail';
  /** Told of store errors (see the contract above). */
  storeError?: (err: Error, fatal: boolean) => void;
}

export interface SessionOpening {
  upstream: string;
  path: string;
  metadata: Metadata;
  /** Monotonic ns (any origin; only differences are used, with `SessionClosing.hrNs`). */
  hrNs: bigint;
  /** Wall-clock ms since the epoch at `hrNs`. */
  wallMs: number;
}

export interface SessionClosing {
  status: StreamStatus | null;
  reason: EndReason;
  hrNs: bigint;
}

export interface CaptureSession {
  readonly id: number;
  readonly closed: boolean;
  /**
   * One message. `sinceOpenNs`: when it arrived, in ns since the opening's `hrNs` (a
   * number: exact below 2^53 ns, ~104 days).
   */
  message(direction: Direction, compressed: boolean, bytes: Uint8Array, sinceOpenNs: number): void;
  close(end: SessionClosing): void;
}

export interface RecorderStats {
  sessionsOpened: number;
  sessionsClosed: number;
  frames: Record<Direction, number>;
  bytes: Record<Direction, number>;
  /** How many times store backpressure paused the peers. */
  pauses: number;
  storeErrors: number;
}

export interface CaptureRecorder {
  open(opening: SessionOpening): CaptureSession;
  /** True while waiting for the store to drain. */
  readonly paused: boolean;
  /** True once a store error ended recording (`onStoreError: 'fail'`). */
  readonly failed: boolean;
  stats(): RecorderStats;
}

/** The recorder's state: its store, its counters, and whether the store pushed back or failed. */
interface RecorderState {
  options: CaptureRecorderOptions;
  stats: RecorderStats;
  /** The store has `writeFrame` (numbers only, nothing allocated per message). */
  direct: boolean;
  paused: boolean;
  failed: boolean;
}

/** One session being recorded: its id, clocks and sequence numbers. */
interface SessionState {
  id: number;
  startNs: bigint;
  startWallMs: number;
  seqs: Record<Direction, number>;
  seq: number;
  closed: boolean;
  /** The host's WorkerTerminate, once seen: when (ns since open) and its grace period. */
  terminate: { tNs: number; graceMs: number } | undefined;
}

export function createCaptureRecorder(options: CaptureRecorderOptions): CaptureRecorder {
  const st: RecorderState = {
    options,
    stats: emptyRecorderStats(),
    direct: typeof options.store.writeFrame === 'function',
    paused: false,
    failed: false,
  };
  options.store.onError((err) => onStoreError(st, err));
  return {
    open: (opening) => openSession(st, opening),
    get paused() {
      return st.paused;
    },
    get failed() {
      return st.failed;
    },
    stats() {
      const { stats } = st;
      return { ...stats, frames: { ...stats.frames }, bytes: { ...stats.bytes } };
    },
  };
}

/** Counters before anything was recorded. */
export function emptyRecorderStats(): RecorderStats {
  return {
    sessionsOpened: 0,
    sessionsClosed: 0,
    frames: { toHost: 0, toWorker: 0 },
    bytes: { toHost: 0, toWorker: 0 },
    pauses: 0,
    storeErrors: 0,
  };
}

function onStoreError(st: RecorderState, err: Error): void {
  st.stats.storeErrors += 1;
  if ((st.options.onStoreError ?? 'forward') === 'fail') {
    if (st.failed) return;
    st.failed = true;
    st.options.storeError?.(err, true);
  } else {
    st.options.storeError?.(err, false);
  }
}

/** Backpressure: `room` is what the store's write returned. */
function wrote(st: RecorderState, room: boolean): void {
  if (room || st.paused) return;
  st.paused = true;
  st.stats.pauses += 1;
  st.options.flow.pause();
  void st.options.store.drained().then(() => {
    st.paused = false;
    st.options.flow.resume();
  });
}

function write(st: RecorderState, event: CaptureEvent): void {
  wrote(st, st.options.store.write(event));
}

function openSession(st: RecorderState, opening: SessionOpening): CaptureSession {
  const { options } = st;
  const ss: SessionState = {
    id: options.store.allocateSessionId(),
    startNs: opening.hrNs,
    startWallMs: opening.wallMs,
    seqs: { toHost: 0, toWorker: 0 },
    seq: 0,
    closed: false,
    terminate: undefined,
  };
  st.stats.sessionsOpened += 1;
  write(st, {
    type: 'session-start',
    session: {
      id: ss.id,
      ...(options.label !== undefined ? { label: options.label } : {}),
      startWallMs: ss.startWallMs,
      upstream: opening.upstream,
      path: opening.path,
      metadata: opening.metadata,
      functapeVersion: options.functapeVersion,
      schemaVersion: options.schemaVersion,
    },
  });
  return {
    id: ss.id,
    get closed() {
      return ss.closed;
    },
    message: (direction, compressed, bytes, sinceOpenNs) =>
      sessionMessage(st, ss, direction, compressed, bytes, sinceOpenNs),
    close: (end) => closeSession(st, ss, end),
  };
}

function sessionMessage(
  st: RecorderState,
  ss: SessionState,
  direction: Direction,
  compressed: boolean,
  bytes: Uint8Array,
  sinceOpenNs: number,
): void {
  if (ss.closed) return;
  const tNs = sinceOpenNs > 0 && sinceOpenNs < Infinity ? Math.round(sinceOpenNs) : 0;
  const wallMs = ss.startWallMs + tNs / 1e6;
  st.stats.frames[direction] += 1;
  st.stats.bytes[direction] += bytes.length;
  const s = ss.seq++;
  const d = ss.seqs[direction]++;
  if (direction === 'toWorker' && !compressed && ss.terminate === undefined) {
    const graceMs = workerTerminateGraceMs(bytes);
    if (graceMs !== undefined) ss.terminate = { tNs, graceMs };
  }
  const { store } = st.options;
  if (st.direct) wrote(st, store.writeFrame!(ss.id, s, d, direction, tNs, wallMs, compressed, bytes));
  else
    write(st, {
      type: 'frame',
      frame: { sessionId: ss.id, seq: s, dirSeq: d, direction, tNs: BigInt(tNs), wallMs, compressed, bytes },
    });
}

function closeSession(st: RecorderState, ss: SessionState, end: SessionClosing): void {
  if (ss.closed) return;
  ss.closed = true;
  st.stats.sessionsClosed += 1;
  const endNs = end.hrNs > ss.startNs ? end.hrNs - ss.startNs : 0n;
  const { status, reason } =
    ss.terminate && end.reason === 'worker-gone' ? terminated(end.status, ss.terminate, endNs) : end;
  write(st, {
    type: 'session-end',
    end: { id: ss.id, endNs, endWallMs: ss.startWallMs + Number(endNs) / 1e6, status, reason },
  });
}

/**
 * A worker that went away after the host's WorkerTerminate did what the protocol asks (end
 * its stream and exit): reason `terminated`, and the details say when, against the grace
 * period. The status code the host saw is kept.
 */
function terminated(
  status: StreamStatus | null,
  t: { tNs: number; graceMs: number },
  endNs: bigint,
): { status: StreamStatus; reason: EndReason } {
  const ms = Math.max(0, (Number(endNs) - t.tNs) / 1e6);
  const shown = ms >= 100 ? ms.toFixed(0) : ms.toFixed(1);
  const grace = `${t.graceMs / 1000} s grace period`;
  const when = ms <= t.graceMs ? `within its ${grace}` : `after its ${grace}`;
  return {
    status: {
      ...status,
      code: status?.code ?? 1,
      details: `the worker ended its stream ${shown} ms after WorkerTerminate, ${when}`,
    },
    reason: 'terminated',
  };
}
