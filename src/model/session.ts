/** gRPC metadata in a transport-neutral shape: lower-case keys, every value kept. */
export type Metadata = Record<string, string[]>;

/** The final status of a gRPC call (from trailers, or synthesised when the call broke). */
export interface StreamStatus {
  /** gRPC status code (0 OK, 1 CANCELLED, 14 UNAVAILABLE, ...). */
  code: number;
  details: string;
  metadata?: Metadata;
}

/** What is known when a proxied stream starts. */
export interface SessionStart {
  id: number;
  label?: string;
  /** Wall-clock start, ms since the epoch; frame `tNs` counts from this instant. */
  startWallMs: number;
  /** host:port the session was relayed to (empty for replayed sessions). */
  upstream: string;
  /** The gRPC method path, normally /AzureFunctionsRpcMessages.FunctionRpc/EventStream. */
  path: string;
  /** Request metadata (headers) the worker sent. */
  metadata: Metadata;
  functapeVersion: string;
  /** Hash or version of proto/ the recording's decoder was built from. */
  schemaVersion: string;
  /** Globally unique id (a fleet database's key); a new session gets a random one when stored. */
  uuid?: string;
  /** Recorded with `--redact off` (as stored; a new session takes its writer's setting). */
  redactOff?: boolean;
}

/** Why a session ended. */
export type EndReason =
  | 'completed' // both sides ended the stream normally (status from the host)
  | 'error-status' // the host ended it with a non-OK status
  | 'worker-gone' // the worker side reset or disconnected
  | 'terminated' // the worker ended its stream and went away after the host's WorkerTerminate
  | 'host-gone' // the upstream connection failed or reset
  | 'shutdown' // functape itself stopped (signal) and closed the stream
  | 'store-error'; // --on-store-error fail ended it

/** End reasons that count as a failure (`sessions --failed`): a stream that broke, not one that was shut down. */
export const FAILED_END_REASONS: readonly EndReason[] = [
  'error-status',
  'worker-gone',
  'host-gone',
  'store-error',
];

export interface SessionEnd {
  id: number;
  endNs: bigint;
  endWallMs: number;
  status: StreamStatus | null;
  reason: EndReason;
  /** Messages seen but not stored (store errors with --on-store-error forward). */
  unstored?: number;
}

/** A session as read back from a recording. */
export interface SessionInfo extends SessionStart {
  workerId?: string;
  end?: SessionEnd;
  counts: { toHost: number; toWorker: number };
}
