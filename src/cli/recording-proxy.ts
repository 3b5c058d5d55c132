import type { CaptureStore, StoreStats } from '../model/store.js';
import type { StreamStatus } from '../model/session.js';
import { createCaptureRecorder, type RecorderStats } from '../proxy/capture-recorder.js';
import { startH2Relay, systemClock, type H2Relay, type RelayClock } from '../wire/h2-relay.js';
import { FUNCTAPE_VERSION, SCHEMA_VERSION } from '../version.js';
import { formatHostPort, type HostPort } from './listen-address.js';

/** The status in-flight streams end with when functape itself stops. */
export const SHUTDOWN_STATUS: StreamStatus = { code: 14, details: 'functape record shutting down' };

export interface RecordingProxyOptions {
  listen: HostPort;
  upstream: HostPort;
  store: CaptureStore;
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
  /** Stop accepting, end in-flight streams (SHUTDOWN_STATUS), flush and close the store. Idempotent. */
  stop(): Promise<RecordingSummary>;
}

/**
 * The recording proxy: the HTTP/2 relay (wire/) feeding the capture recorder (proxy/)
 * feeding the store (recording/). Bytes are forwarded before anything else happens to
 * them; the recorder only stamps; indexing and redaction run on the store's thread.
 */
export async function startRecordingProxy(options: RecordingProxyOptions): Promise<RecordingProxy> {
  const { store } = options;
  const clock = options.clock ?? systemClock;
  let relay: H2Relay | undefined;
  let storeFailure: Error | undefined;
  let partialMessages = 0;
  let reportFailure: (err: Error) => void = () => {};
  const failed = new Promise<Error>((resolve) => (reportFailure = resolve));
  let warnedStoreError = false;

  const recorder = createCaptureRecorder({
    store,
    ...(options.label !== undefined ? { label: options.label } : {}),
    functapeVersion: FUNCTAPE_VERSION,
    schemaVersion: SCHEMA_VERSION,
    onStoreError: options.onStoreError,
    flow: { pause: () => relay?.hold(), resume: () => relay?.release() },
    storeError: (err, fatal) => {
      if (fatal) {
        storeFailure = err;
        options.warn(`functape record: ${err.message}; --on-store-error fail: ending every stream`);
        const status = { code: 14, details: `functape record cannot store the capture: ${err.message}` };
        relay?.refuseNew(status);
        relay?.abortAll(status, 'store-error');
        reportFailure(err);
      } else if (!warnedStoreError) {
        warnedStoreError = true;
        options.warn(`functape record: ${err.message}; still forwarding (--on-store-error forward), counting what is not stored`);
      }
    },
  });

  relay = await startH2Relay({
    listen: options.listen,
    upstream: options.upstream,
    clock,
    onStream(info) {
      const session = recorder.open({ upstream: info.upstream, path: info.path, metadata: info.metadata, hrNs: info.atNs, wallMs: info.wallMs });
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
  if (storeFailure) {
    const status = { code: 14, details: `functape record cannot store the capture: ${storeFailure.message}` };
    started.refuseNew(status);
  }

  let stopping: Promise<RecordingSummary> | undefined;
  return {
    address: { host: started.address.host, port: started.address.port },
    relay: started,
    failed,
    stop() {
      stopping ??= (async () => {
        await started.close(SHUTDOWN_STATUS);
        await store.close();
        const summary: RecordingSummary = { recorder: recorder.stats(), store: store.stats(), partialMessages };
        if (storeFailure) summary.storeFailure = storeFailure;
        return summary;
      })();
      return stopping;
    },
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
  if (summary.partialMessages > 0) parts.push(`${summary.partialMessages} stream(s) ended inside a message`);
  return `functape record: ${typeof where === 'string' ? where : formatHostPort(where)}: ${parts.join(', ')}`;
}
