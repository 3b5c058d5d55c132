import type { CaptureEvent } from './event.js';
import type { Direction } from './frame.js';

/**
 * Where the proxy sends what it captures. Implemented by `recording/` (SQLite, batched,
 * on a worker thread); the proxy knows only this interface.
 *
 * Contract: `write` never blocks and never throws; it takes ownership of frame bytes
 * (the caller must not mutate them afterwards). It returns false when the store's
 * queue is above its high-water mark: the proxy then stops reading from both peers
 * until `drained()` resolves (backpressure, so memory stays bounded).
 */
export interface CaptureStore {
  /** A session id not used before in this store. */
  allocateSessionId(): number;
  write(event: CaptureEvent): boolean;
  /**
   * The same as `write` of a `frame` event with these fields, without building the event:
   * the live proxy's path, called once per relayed message. `tNs` is a number of ns since
   * the session started, a non-negative integer (exact below 2^53 ns, ~104 days); the store
   * keeps it as exactly as `write` keeps a bigint. Optional: a store without it gets `write`.
   */
  writeFrame?(
    sessionId: number,
    seq: number,
    dirSeq: number,
    direction: Direction,
    tNs: number,
    wallMs: number,
    compressed: boolean,
    bytes: Uint8Array,
  ): boolean;
  drained(): Promise<void>;
  /** Resolves when everything written so far is committed to disk. */
  flush(): Promise<void>;
  /** Flush, then release the database. Idempotent. */
  close(): Promise<void>;
  /** Called for every failed write batch; the store keeps counting what it could not store. */
  onError(handler: (err: Error) => void): void;
  stats(): StoreStats;
}

export interface StoreStats {
  /** Frames accepted by write(). */
  accepted: number;
  /** Frames committed to the database. */
  stored: number;
  /** Frames that could not be stored (store errors). */
  failed: number;
  /** Frames waiting in memory. */
  queued: number;
  /**
   * Set at close when not 0: sessions whose start, end or count of unstored frames the file could
   * not take at all (a full disk that refused even those small writes). When 0, the file's
   * session rows say what `failed` says.
   */
  unrecorded?: number;
}
