import type { Direction } from '../model/frame.js';
import type { CaptureRecorder, CaptureSession, SessionClosing, SessionOpening } from './capture-recorder.js';

/** One stream's observations, as the recording proxy hands them on. */
export interface BacklogSession {
  /** `sinceOpenNs` as in CaptureSession.message. */
  message(direction: Direction, compressed: boolean, bytes: Uint8Array, sinceOpenNs: number): void;
  close(end: SessionClosing): void;
}

/**
 * What the relay observes while the capture store is still opening (its writer thread
 * starts after `record` is already listening), held for the recorder.
 *
 * Contracts:
 * - Until `start(recorder)`, every stream's opening, messages and end are queued in the
 *   order they happened, each with the times the relay stamped; `start` replays the queue
 *   into the recorder in that order, and from then on every observation goes straight to
 *   it. Nothing is dropped, reordered or re-stamped: a recording made through the backlog
 *   is the one the recorder would have made had the store been ready from the start.
 * - Bytes are kept by reference (the relay never mutates them, see RelayStreamTap).
 * - Memory is bounded: above `highWaterBytes` queued, `flow.pause()` is called once (the
 *   relay stops reading from the peers) and `flow.resume()` when the queue is replayed
 *   or discarded. A negative mark pauses at the first observation, a stream's opening.
 * - `discard()` (the store could not be opened) forgets the queue; later observations are
 *   ignored. `start` and `discard` are each allowed once, and not both.
 */
export interface CaptureBacklog {
  open(opening: SessionOpening): BacklogSession;
  start(recorder: CaptureRecorder): void;
  discard(): void;
  /** Bytes of messages waiting (0 once started). */
  readonly queuedBytes: number;
}

export interface CaptureBacklogOptions {
  highWaterBytes: number;
  flow: { pause(): void; resume(): void };
}

export function createCaptureBacklog(options: CaptureBacklogOptions): CaptureBacklog {
  let queue: (() => void)[] | undefined = [];
  let queuedBytes = 0;
  let recorder: CaptureRecorder | undefined;
  let paused = false;

  /** Run `op` now if the recorder has taken over, else queue it; ignored once discarded. */
  const later = (op: () => void, bytes = 0) => {
    if (recorder) return op();
    if (!queue) return;
    queue.push(op);
    queuedBytes += bytes;
    if (!paused && queuedBytes > options.highWaterBytes) {
      paused = true;
      options.flow.pause();
    }
  };
  const settle = () => {
    queue = undefined;
    queuedBytes = 0;
    if (paused) {
      paused = false;
      options.flow.resume();
    }
  };

  return {
    open(opening) {
      if (recorder) return recorder.open(opening);
      let session: CaptureSession | undefined;
      later(() => (session = recorder!.open(opening)));
      // Closures that capture a message's arguments are made only while queueing, in
      // functions of their own: a closure inside `message` itself would make V8 allocate
      // a context for its arguments on every call, queued or not.
      const queueMessage = (
        direction: Direction,
        compressed: boolean,
        bytes: Uint8Array,
        sinceOpenNs: number,
      ) => later(() => session!.message(direction, compressed, bytes, sinceOpenNs), bytes.byteLength);
      const queueClose = (end: SessionClosing) => later(() => session!.close(end));
      // Once the store is ready (start ran the queued open) messages go straight to the
      // session: nothing is allocated per message for a stream that outlives the wait.
      return {
        message: (direction, compressed, bytes, sinceOpenNs) =>
          session
            ? session.message(direction, compressed, bytes, sinceOpenNs)
            : queueMessage(direction, compressed, bytes, sinceOpenNs),
        close: (end) => (session ? session.close(end) : queueClose(end)),
      };
    },
    start(target) {
      if (recorder || !queue) throw new Error('capture backlog: already started or discarded');
      recorder = target;
      const ops = queue;
      // Resume only after the replay: the recorder may pause the peers itself meanwhile.
      queue = [];
      for (const op of ops) op();
      settle();
    },
    discard() {
      if (recorder || !queue) throw new Error('capture backlog: already started or discarded');
      settle();
    },
    get queuedBytes() {
      return queuedBytes;
    },
  };
}
