import type { Duplex } from '../model/duplex.js';

/**
 * Wait for a stream's first message without losing it: the returned duplex delivers that
 * message again, first, to whoever calls `onMessage` next, then everything after it in
 * order. `first` is undefined when the stream ended (or `timeoutMs` passed) before any
 * message arrived.
 */
export async function readFirstMessage(
  duplex: Duplex,
  timeoutMs: number,
): Promise<{ first?: Uint8Array; duplex: Duplex }> {
  const early: Uint8Array[] = [];
  let handler: ((bytes: Uint8Array) => void) | undefined;
  let gotFirst!: (b: Uint8Array | undefined) => void;
  const firstP = new Promise<Uint8Array | undefined>((r) => (gotFirst = r));
  duplex.onMessage((bytes) => {
    if (handler) handler(bytes);
    else {
      early.push(bytes);
      if (early.length === 1) gotFirst(bytes);
    }
  });
  let timer: NodeJS.Timeout | undefined;
  const first = await Promise.race([
    firstP,
    duplex.done.then(() => undefined),
    new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), timeoutMs))),
  ]);
  if (timer) clearTimeout(timer);
  const wrapped: Duplex = {
    send: (b) => duplex.send(b),
    drained: () => duplex.drained(),
    end: (s) => duplex.end(s),
    cancel: (s) => duplex.cancel(s),
    onMessage(h) {
      handler = h;
      while (early.length > 0 && handler === h) h(early.shift()!);
    },
    get metadata() {
      return duplex.metadata;
    },
    done: duplex.done,
  };
  const peerEnded = (duplex as Partial<{ peerEnded: Promise<void> }>).peerEnded;
  if (peerEnded) Object.defineProperty(wrapped, 'peerEnded', { value: peerEnded });
  // Flow control and an abrupt end (wire's PeerDuplex: pause, resume, abort) pass through.
  for (const name of ['pause', 'resume', 'abort'] as const) {
    const fn = (duplex as Partial<Record<typeof name, () => void>>)[name];
    if (fn) Object.defineProperty(wrapped, name, { value: () => fn.call(duplex) });
  }
  // Batched sends (wire's PeerDuplex.sendMany: one write for several messages) pass through.
  const sendMany = (duplex as Partial<{ sendMany(list: readonly Uint8Array[]): boolean }>).sendMany;
  if (sendMany)
    Object.defineProperty(wrapped, 'sendMany', {
      value: (list: readonly Uint8Array[]) => sendMany.call(duplex, list),
    });
  return first === undefined ? { duplex: wrapped } : { first, duplex: wrapped };
}
