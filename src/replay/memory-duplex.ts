import type { Duplex, DuplexEnd } from '../model/duplex.js';
import type { StreamStatus } from '../model/session.js';

/**
 * Two in-memory Duplex ends joined together (a host end and a worker end), for tests and
 * for wiring a replay driver to another in-process peer without sockets. Messages are
 * delivered asynchronously (next microtask) and in order; `end` from either side ends
 * the call for both with the given status (default OK), like a finished gRPC call;
 * `cancel` ends it with CANCELLED.
 */
export interface DuplexPair {
  host: Duplex & { readonly peerEnded: Promise<void> };
  worker: Duplex & { readonly peerEnded: Promise<void> };
}

export function createDuplexPair(): DuplexPair {
  let settle!: (end: DuplexEnd) => void;
  const done = new Promise<DuplexEnd>((r) => (settle = r));
  let over = false;
  const finish = (status: StreamStatus, clean: boolean) => {
    if (over) return;
    over = true;
    settle({ status, clean });
  };
  function side(): {
    duplex: Duplex & { readonly peerEnded: Promise<void> };
    deliver: (b: Uint8Array) => void;
    peerEnd: () => void;
  } {
    let handler: ((b: Uint8Array) => void) | undefined;
    const queue: Uint8Array[] = [];
    let endPeer!: () => void;
    const peerEnded = new Promise<void>((r) => (endPeer = r));
    const deliver = (b: Uint8Array) => {
      if (handler) handler(b);
      else queue.push(b);
    };
    const duplex = {
      send: (_b: Uint8Array) => false,
      drained: () => Promise.resolve(),
      end: (status?: StreamStatus) => {},
      cancel: (status?: StreamStatus) => finish(status ?? { code: 1, details: 'Cancelled' }, false),
      onMessage(h: (b: Uint8Array) => void) {
        handler = h;
        while (queue.length > 0 && handler === h) h(queue.shift()!);
      },
      metadata: {},
      done,
      peerEnded,
    };
    return { duplex, deliver, peerEnd: () => endPeer() };
  }
  const h = side();
  const w = side();
  const wire = (from: ReturnType<typeof side>, to: ReturnType<typeof side>, isHost: boolean) => {
    from.duplex.send = (b) => {
      if (over) return false;
      const copy = b.slice();
      queueMicrotask(() => !over && to.deliver(copy));
      return true;
    };
    from.duplex.end = (status) => {
      if (isHost) queueMicrotask(() => finish(status ?? { code: 0, details: 'OK' }, true));
      else queueMicrotask(() => to.peerEnd());
    };
  };
  wire(h, w, true);
  wire(w, h, false);
  return { host: h.duplex, worker: w.duplex };
}
