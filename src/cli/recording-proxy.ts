import type { CaptureStore, StoreStats } from '../model/store.js';
import type { StreamStatus } from '../model/session.js';
import {
  createCaptureRecorder,
  type CaptureRecorder,
  type RecorderStats,
} from '../proxy/capture-recorder.js';
import { createStreamEnd } from '../proxy/stream-end.js';
import { startH2Relay, systemClock, type H2Relay, type RelayClock } from '../wire/h2-relay.js';
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
  const clock = options.clock ?? systemClock;
  let relay: H2Relay | undefined;
  let storeFailure: Error | undefined;
  let partialMessages = 0;
  let reportFailure: (err: Error) => void = () => {};
  const failed = new Promise<Error>((resolve) => (reportFailure = resolve));
  let reportUnopened: (err: Error) => void = () => {};
  const unopened = new Promise<Error>((resolve) => (reportUnopened = resolve));
  let warnedStoreError = false;

  // The peers are held while either the backlog or the store asks for it.
  const holds = new Set<'backlog' | 'store'>();
  const flowFor = (reason: 'backlog' | 'store') => ({
    pause: () => {
      holds.add(reason);
      relay?.hold();
    },
    resume: () => {
      holds.delete(reason);
      if (holds.size === 0) relay?.release();
    },
  });
  const endEveryStream = (details: string, reason: 'store-error') => {
    const status = { code: 14, details };
    relay?.refuseNew(status);
    relay?.abortAll(status, reason);
  };

  // With --on-store-error fail nothing may cross before the store can take it: a stream
  // opened while the store is opening starts held (at start-up only, ~0.1 s).
  const highWaterBytes = options.onStoreError === 'fail' ? -1 : BACKLOG_HIGH_WATER_BYTES;
  const backlog = createCaptureBacklog({ highWaterBytes, flow: flowFor('backlog') });
  let recorder: CaptureRecorder | undefined;
  let store: CaptureStore | undefined;
  const startRecorder = (opened: CaptureStore) => {
    store = opened;
    recorder = createCaptureRecorder({
      store: opened,
      ...(options.label !== undefined ? { label: options.label } : {}),
      functapeVersion: FUNCTAPE_VERSION,
      schemaVersion: SCHEMA_VERSION,
      onStoreError: options.onStoreError,
      flow: flowFor('store'),
      storeError: (err, fatal) => {
        if (fatal) {
          storeFailure = err;
          options.warn(`functape record: ${err.message}; --on-store-error fail: ending every stream`);
          endEveryStream(`functape record cannot store the capture: ${err.message}`, 'store-error');
          reportFailure(err);
        } else if (!warnedStoreError) {
          warnedStoreError = true;
          options.warn(
            `functape record: ${err.message}; still forwarding (--on-store-error forward), counting what is not stored`,
          );
        }
      },
    });
    backlog.start(recorder);
  };
  let opening: Promise<void> = Promise.resolve();
  if (isStore(options.store)) startRecorder(options.store);
  else {
    opening = options.store.then(startRecorder, (err: unknown) => {
      const error = err instanceof Error ? err : new Error(String(err));
      backlog.discard();
      endEveryStream(`functape record cannot open the recording: ${error.message}`, 'store-error');
      reportUnopened(error);
    });
  }

  relay = await startH2Relay({
    listen: options.listen,
    upstream: options.upstream,
    clock,
    decideEnd: createStreamEnd,
    onStream(info) {
      const session = backlog.open({
        upstream: info.upstream,
        path: info.path,
        metadata: info.metadata,
        hrNs: info.atNs,
        wallMs: info.wallMs,
      });
      return {
        message: (direction, compressed, bytes, atNs) => session.message(direction, compressed, bytes, atNs),
        end: (outcome) => {
          if (outcome.partial.toHost > 0 || outcome.partial.toWorker > 0) partialMessages += 1;
          session.close({ status: outcome.status, reason: outcome.reason, hrNs: outcome.atNs });
        },
      };
    },
  });
  const started = relay;
  // What happened while the relay was starting.
  if (holds.size > 0) started.hold();
  if (storeFailure)
    endEveryStream(`functape record cannot store the capture: ${storeFailure.message}`, 'store-error');
  void unopened.then((err) =>
    endEveryStream(`functape record cannot open the recording: ${err.message}`, 'store-error'),
  );

  let stopping: Promise<RecordingSummary> | undefined;
  return {
    address: { host: started.address.host, port: started.address.port },
    relay: started,
    failed,
    unopened,
    stop() {
      stopping ??= (async () => {
        await started.close(SHUTDOWN_STATUS);
        // Streams that ended while the store was opening are stored once it is ready.
        await opening;
        await store?.close();
        const summary: RecordingSummary = {
          recorder: recorder?.stats() ?? emptyRecorderStats(),
          store: store?.stats() ?? { accepted: 0, stored: 0, failed: 0, queued: 0 },
          partialMessages,
        };
        if (storeFailure) summary.storeFailure = storeFailure;
        return summary;
      })();
      return stopping;
    },
  };
}

/**
 * Captured bytes held while the store opens before the peers are paused (it opens in
 * ~0.1 s; the store's own queue allows as much once open).
 */
const BACKLOG_HIGH_WATER_BYTES = 16 * 1024 * 1024;

function isStore(store: CaptureStore | Promise<CaptureStore>): store is CaptureStore {
  return typeof (store as Partial<CaptureStore>).write === 'function';
}

function emptyRecorderStats(): RecorderStats {
  return {
    sessionsOpened: 0,
    sessionsClosed: 0,
    frames: { toHost: 0, toWorker: 0 },
    bytes: { toHost: 0, toWorker: 0 },
    pauses: 0,
    storeErrors: 0,
  };
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
