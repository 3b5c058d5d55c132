import type { Direction } from '../model/frame.js';
import type { EventSink } from '../model/event.js';
import type { EndReason, Metadata, StreamStatus } from '../model/session.js';

/**
 * Turns a replay's live traffic into capture events (`--record OUT.db`): one
 * session-start, the frames in the order functape sent or received them (seq and dirSeq
 * from 0, monotonic ns since the start), one session-end. Invariant: `end` emits exactly
 * once; frames after it are dropped.
 */
export interface ReplayRecorder {
  frame(direction: Direction, bytes: Uint8Array): void;
  end(status: StreamStatus | null, reason: EndReason): void;
}

export interface ReplayRecorderOptions {
  sink: EventSink;
  sessionId: number;
  label: string;
  /** Monotonic ms clock (performance.now by default). */
  now?: () => number;
  metadata?: Metadata;
  functapeVersion?: string;
}

export function createReplayRecorder(options: ReplayRecorderOptions): ReplayRecorder {
  const now = options.now ?? (() => performance.now());
  const t0 = now();
  const wall0 = Date.now();
  let seq = 0;
  const dirSeq: Record<Direction, number> = { toHost: 0, toWorker: 0 };
  let ended = false;
  const ns = () => BigInt(Math.round((now() - t0) * 1e6));
  options.sink({
    type: 'session-start',
    session: {
      id: options.sessionId,
      label: options.label,
      startWallMs: wall0,
      upstream: '',
      path: '/AzureFunctionsRpcMessages.FunctionRpc/EventStream',
      metadata: options.metadata ?? {},
      functapeVersion: options.functapeVersion ?? '',
      schemaVersion: '',
    },
  });
  return {
    frame(direction, bytes) {
      if (ended) return;
      const tNs = ns();
      options.sink({
        type: 'frame',
        frame: {
          sessionId: options.sessionId,
          seq: seq++,
          dirSeq: dirSeq[direction]++,
          direction,
          tNs,
          wallMs: wall0 + Number(tNs) / 1e6,
          compressed: false,
          bytes,
        },
      });
    },
    end(status, reason) {
      if (ended) return;
      ended = true;
      const endNs = ns();
      options.sink({
        type: 'session-end',
        end: { id: options.sessionId, endNs, endWallMs: wall0 + Number(endNs) / 1e6, status, reason },
      });
    },
  };
}
