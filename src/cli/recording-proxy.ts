import type { CaptureStore, StoreStats } from '../model/store.js';
import type { StreamStatus } from '../model/session.js';
import {
  createCaptureRecorder,
  emptyRecorderStats,
  type CaptureRecorder,
  type RecorderStats,
} from '../proxy/capture-recorder.js';
import { createStreamEnd } from '../proxy/stream-end.js';
import {
  startH2Relay,
  systemClock,
  type H2Relay,
  type RelayClock,
  type RelayStreamInfo,
  type RelayStreamTap,
} from '../wire/h2-relay.js';
import type { EarlyListener } from '../wire/early-listener.js';
import { FUNCTAPE_VERSION, SCHEMA_VERSION } from '../version.js';
import { formatHostPort, type HostPort } from './listen-address.js';
import { createCaptureBacklog } from '../proxy/capture-backlog.js';

/** The status in-flight streams end with when functape itself stops. */
export const SHUTDOWN_STATUS: StreamStatus = { code: 14, details: 'functape record shutting down' };

export interface RecordingProxyOptions {
  /** Where to listen, or a listener `wrap` opened before the CLI was loaded. */
  listen: HostPort | { early: EarlyListener };
  upstream: HostPort;
  /**
   * The store, or the store still opening: then the proxy listens at once and holds what
   * it captures (in order, see capture-backlog.ts) until the store is ready. If it fails to
   * open, every stream is ended and `unopened` resolves with the error.
   */
  store: CaptureStore | Promise<CaptureStore>;
  label?: string;
  onStoreError: 'forward' | 'fail';
  /** One line to stderr (no trailing newline). */
  warn(line: string): void;
  clock?: RelayClock;
}

export interface RecordingSummary {
  recorder: RecorderStats;
  store: StoreStats;
  /** Messages cut off by a stream's end before they were complete. */
  partialMessages: number;
  storeFailure?: Error;
}

export interface RecordingProxy {
  readonly address: HostPort;
  readonly relay: H2Relay;
  /** Resolves when a store error ended recording (`onStoreError: 'fail'`); streams are ended by then. */
  readonly failed: Promise<Error>;
  /** Resolves when the store (given as a promise) failed to open; streams are ended by then. */
  readonly unopened: Promise<Error>;
  /** Stop accepting, end in-flight streams (SHUTDOWN_STATUS), flush and close the store. Idempotent. */
  stop(): Promise<RecordingSummary>;
}

/**
 * The recording proxy: the HTTP/2 relay (wire/) feeding the capture recorder (proxy/)
 * feeding the store (recording/). Bytes are forwarded before anything else happens to
 * them; the recorder only stamps; indexing and redaction run on the store's thread.
 */
export async function startRecordingProxy(options: RecordingProxyOptions): Promise<RecordingProxy> {
  const st = createProxyState(options);
  if (isStore(options.store)) startRecorder(st, options.store);
  else {
    st.opening = options.store.then(
      (opened) => startRecorder(st, opened),
      (err: unknown) => {
        const error = err instanceof Error ? err : new Error(String(err));
        st.backlog.discard();
        endEveryStream(st, `functape record cannot open the recording: ${error.message}`);
        st.reportUnopened(error);
      },
    );
  }
  const started = await startH2Relay({
    listen: options.listen,
    upstream: options.upstream,
    clock: options.clock ?? systemClock,
    decideEnd: createStreamEnd,
    onStream: (info) => tapStream(st, info),
  });
  st.relay = started;
  // What happened while the relay was starting.
  if (st.holds.size > 0) started.hold();
  if (st.storeFailure)
    endEveryStream(st, `functape record cannot store the capture: ${st.storeFailure.message}`);
  void st.unopened.then((err) =>
    endEveryStream(st, `functape record cannot open the recording: ${err.message}`),
  );
  let stopping: Promise<RecordingSummary> | undefined;
  return {
    address: { host: started.address.host, port: started.address.port },
    relay: started,
    failed: st.failed,
    unopened: st.unopened,
    stop() {
      stopping ??= stopProxy(st, started);
      return stopping;
    },
  };
}

/**
 * The recording proxy's named state. Contracts: the peers are held while `holds` is not
 * empty (the backlog or the store asked); `recorder` and `store` are set once the store is
 * open (until then the backlog keeps what the relay observes); `storeFailure` is the first
 * fatal store error (--on-store-error fail), after which every stream is ended.
 */
interface ProxyState {
  readonly options: RecordingProxyOptions;
  relay: H2Relay | undefined;
  readonly holds: Set<'backlog' | 'store'>;
  readonly backlog: ReturnType<typeof createCaptureBacklog>;
  recorder: CaptureRecorder | undefined;
  store: CaptureStore | undefined;
  /** Settles once the store is open and the backlog handed to it (or it failed to open). */
  opening: Promise<void>;
  storeFailure: Error | undefined;
  warnedStoreError: boolean;
  partialMessages: number;
  readonly failed: Promise<Error>;
  reportFailure: (err: Error) => void;
  readonly unopened: Promise<Error>;
  reportUnopened: (err: Error) => void;
}

function createProxyState(options: RecordingProxyOptions): ProxyState {
  let reportFailure: (err: Error) => void = () => {};
  const failed = new Promise<Error>((resolve) => (reportFailure = resolve));
  let reportUnopened: (err: Error) => void = () => {};
  const unopened = new Promise<Error>((resolve) => (reportUnopened = resolve));
  const holds = new Set<'backlog' | 'store'>();
  // With --on-store-error fail nothing may cross before the store can take it: a stream
  // opened while the store is opening starts held (at start-up only, ~0.1 s).
  const highWaterBytes = options.onStoreError === 'fail' ? -1 : BACKLOG_HIGH_WATER_BYTES;
  let self: ProxyState | undefined;
  const backlog = createCaptureBacklog({
    highWaterBytes,
    flow: flowFor(holds, () => self?.relay, 'backlog'),
  });
  self = {
    options,
    relay: undefined,
    holds,
    backlog,
    recorder: undefined,
    store: undefined,
    opening: Promise.resolve(),
    storeFailure: undefined,
    warnedStoreError: false,
    partialMessages: 0,
    failed,
    reportFailure,
    unopened,
    reportUnopened,
  };
  return self;
}

/** Stop and restart reading from every peer for one reason; the peers read again when no reason is left. */
function flowFor(
  holds: Set<'backlog' | 'store'>,
  relay: () => H2Relay | undefined,
  reason: 'backlog' | 'store',
): { pause(): void; resume(): void } {
  return {
    pause: () => {
      holds.add(reason);
      relay()?.hold();
    },
    resume: () => {
      holds.delete(reason);
      if (holds.size === 0) relay()?.release();
    },
  };
}

function endEveryStream(st: ProxyState, details: string): void {
  const status = { code: 14, details };
  st.relay?.refuseNew(status);
  st.relay?.abortAll(status, 'store-error');
}

/** The store is open: the recorder stamps into it, and what the backlog held goes first. */
function startRecorder(st: ProxyState, opened: CaptureStore): void {
  const { options } = st;
  st.store = opened;
  st.recorder = createCaptureRecorder({
    store: opened,
    ...(options.label !== undefined ? { label: options.label } : {}),
    functapeVersion: FUNCTAPE_VERSION,
    schemaVersion: SCHEMA_VERSION,
    onStoreError: options.onStoreError,
    flow: flowFor(st.holds, () => st.relay, 'store'),
    storeError: (err, fatal) => onStoreError(st, err, fatal),
  });
  st.backlog.start(st.recorder);
}

/** A fatal store error ends every stream; a forwarded one is told once. */
function onStoreError(st: ProxyState, err: Error, fatal: boolean): void {
  if (fatal) {
    st.storeFailure = err;
    st.options.warn(`functape record: ${err.message}; --on-store-error fail: ending every stream`);
    endEveryStream(st, `functape record cannot store the capture: ${err.message}`);
    st.reportFailure(err);
  } else if (!st.warnedStoreError) {
    st.warnedStoreError = true;
    st.options.warn(
      `functape record: ${err.message}; still forwarding (--on-store-error forward), counting what is not stored`,
    );
  }
}

/** What the relay tells of one stream goes to its backlog session. */
function tapStream(st: ProxyState, info: RelayStreamInfo): RelayStreamTap {
  const session = st.backlog.open({
    upstream: info.upstream,
    path: info.path,
    metadata: info.metadata,
    hrNs: info.atNs,
    wallMs: info.wallMs,
  });
  return {
    message: (direction, compressed, bytes, atNs) => session.message(direction, compressed, bytes, atNs),
    end: (outcome) => {
      if (outcome.partial.toHost > 0 || outcome.partial.toWorker > 0) st.partialMessages += 1;
      session.close({ status: outcome.status, reason: outcome.reason, hrNs: outcome.atNs });
    },
  };
}

async function stopProxy(st: ProxyState, relay: H2Relay): Promise<RecordingSummary> {
  await relay.close(SHUTDOWN_STATUS);
  // Streams that ended while the store was opening are stored once it is ready.
  await st.opening;
  await st.store?.close();
  const summary: RecordingSummary = {
    recorder: st.recorder?.stats() ?? emptyRecorderStats(),
    store: st.store?.stats() ?? { accepted: 0, stored: 0, failed: 0, queued: 0 },
    partialMessages: st.partialMessages,
  };
  if (st.storeFailure) summary.storeFailure = st.storeFailure;
  return summary;
}

/**
 * Captured bytes held while the store opens before the peers are paused (it opens in
 * ~0.1 s; the store's own queue allows as much once open).
 */
const BACKLOG_HIGH_WATER_BYTES = 16 * 1024 * 1024;

function isStore(store: CaptureStore | Promise<CaptureStore>): store is CaptureStore {
  return typeof (store as Partial<CaptureStore>).write === 'function';
}

/** One line for stderr when recording stops. */
export function summaryLine(summary: RecordingSummary, where: HostPort | string): string {
  const r = summary.recorder;
  const s = summary.store;
  const messages = r.frames.toHost + r.frames.toWorker;
  const parts = [
    `${r.sessionsOpened} session${r.sessionsOpened === 1 ? '' : 's'}`,
    `${messages} message${messages === 1 ? '' : 's'} (${r.frames.toHost} to host, ${r.frames.toWorker} to worker)`,
    `${s.stored} stored`,
  ];
  if (s.failed > 0) parts.push(`${s.failed} NOT stored`);
  if (s.unrecorded)
    parts.push(
      `the end or not-stored count of ${s.unrecorded} session(s) could NOT be written (the disk refused even that)`,
    );
  if (summary.partialMessages > 0) parts.push(`${summary.partialMessages} stream(s) ended inside a message`);
  return `functape record: ${typeof where === 'string' ? where : formatHostPort(where)}: ${parts.join(', ')}`;
}
