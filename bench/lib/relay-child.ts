// Child-process entry for diagnosis: functape's recording proxy (the same relay and capture
// recorder `functape record` runs) with a store that accepts and drops every event, so a
// benchmark can tell the relay's cost from the SQLite capture's. Prints `listening on H:P`.
// Usage: node relay-child.js UPSTREAM_PORT
import type { CaptureStore } from '../../src/model/store.js';
import { startRecordingProxy } from '../../src/cli/recording-proxy.js';

/** A CaptureStore that counts and forgets: never applies backpressure, never touches a disk. */
function createNullStore(): CaptureStore {
  let accepted = 0;
  let nextId = 0;
  return {
    allocateSessionId: () => (nextId += 1),
    write: (e) => {
      if (e.type === 'frame') accepted += 1;
      return true;
    },
    drained: async () => undefined,
    flush: async () => undefined,
    close: async () => undefined,
    onError: () => undefined,
    stats: () => ({ accepted, stored: accepted, failed: 0, queued: 0 }),
  };
}

const upstreamPort = Number(process.argv[2]);
const proxy = await startRecordingProxy({
  listen: { host: '127.0.0.1', port: 0 },
  upstream: { host: '127.0.0.1', port: upstreamPort },
  store: createNullStore(),
  onStoreError: 'forward',
  warn: (line) => process.stderr.write(`${line}\n`),
});
process.stdout.write(`listening on 127.0.0.1:${proxy.address.port}\n`);
const stop = () => void proxy.stop().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
