import type { Duplex } from '../model/duplex.js';

/**
 * Read the first message of a stream without consuming it: resolves with that message
 * (undefined when the stream ended first) and a Duplex that delivers every message,
 * the first included, to whoever calls its `onMessage` next. Used to tell which worker
 * opened a stream (its StartStream) before handing the stream to the replay setup.
 */
export function peekFirstMessage(duplex: Duplex): Promise<{ first: Uint8Array | undefined; duplex: Duplex }> {
  const buffered: Uint8Array[] = [];
  let handler: ((bytes: Uint8Array) => void) | undefined;
  let resolveFirst!: (first: Uint8Array | undefined) => void;
  const first = new Promise<Uint8Array | undefined>((r) => (resolveFirst = r));
  duplex.onMessage((bytes) => {
    if (handler) handler(bytes);
    else {
      buffered.push(bytes);
      if (buffered.length === 1) resolveFirst(bytes);
    }
  });
  void duplex.done.then(() => resolveFirst(undefined));
  const wrapped: Duplex = {
    send: (b) => duplex.send(b),
    drained: () => duplex.drained(),
    end: (s) => duplex.end(s),
    cancel: (s) => duplex.cancel(s),
    onMessage(h) {
      handler = h;
      while (buffered.length > 0 && handler === h) h(buffered.shift()!);
    },
    get metadata() {
      return duplex.metadata;
    },
    done: duplex.done,
  };
  // Keep the half-close signal of transports that have one (the replay setup watches it).
  const peerEnded = (duplex as Partial<{ peerEnded: Promise<void> }>).peerEnded;
  if (peerEnded) Object.assign(wrapped, { peerEnded });
  return first.then((f) => ({ first: f, duplex: wrapped }));
}
