/** One grpc-js call as a `PeerDuplex`: raw message bytes in and out, the handler, the end. */

import * as grpc from '@grpc/grpc-js';
import type { Duplex as NodeDuplex } from 'node:stream';
import type { DuplexEnd } from '../model/duplex.js';
import type { Metadata, StreamStatus } from '../model/session.js';
import type { PeerDuplex } from './grpc-peer.js';

export function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export interface Side {
  /** Finish our side (client half-close; server ends with status). */
  end(status: StreamStatus | undefined): void;
  cancel(status: StreamStatus | undefined): void;
}

/** One adapted call: its stream, the message handler and what arrived before it. */
interface CallState {
  stream: NodeDuplex;
  handler: ((bytes: Uint8Array) => void) | undefined;
  queue: Uint8Array[];
  settled: boolean;
  done: Promise<DuplexEnd>;
  side: Side;
  /** The HTTP/2 stream under the call, for writing framed messages in one go. */
  raw: (() => NodeDuplex | undefined) | undefined;
}

/**
 * Wrap a grpc-js object-mode stream. `settle` is given to the side-specific code, which
 * calls it when the call is over; it takes effect once.
 */
export function adapt(
  stream: NodeDuplex,
  metadata: Metadata,
  makeSide: (settle: (end: DuplexEnd) => void) => Side,
  raw?: () => NodeDuplex | undefined,
): PeerDuplex {
  let resolveDone!: (end: DuplexEnd) => void;
  const done = new Promise<DuplexEnd>((resolve) => (resolveDone = resolve));
  const st: CallState = { stream, handler: undefined, queue: [], settled: false, done, side: null!, raw };
  st.side = makeSide((end) => {
    if (st.settled) return;
    st.settled = true;
    resolveDone(end);
  });
  let resolvePeerEnded!: () => void;
  const peerEnded = new Promise<void>((resolve) => (resolvePeerEnded = resolve));
  stream.on('end', () => resolvePeerEnded());
  stream.on('data', (bytes: Buffer) => {
    if (st.handler) deliver(st, bytes);
    else st.queue.push(bytes);
  });
  // grpc-js reports errors as 'error' events besides the status; the status is what counts.
  stream.on('error', () => {});
  return {
    send: (bytes) => send(st, bytes),
    sendMany: (list) => sendMany(st, list),
    drained: () => drained(st),
    end(status) {
      if (!st.settled) st.side.end(status);
    },
    cancel(status) {
      if (!st.settled) st.side.cancel(status);
    },
    onMessage(h) {
      st.handler = h;
      while (st.queue.length > 0 && st.handler === h) deliver(st, st.queue.shift()!);
    },
    pause() {
      stream.pause();
    },
    resume() {
      stream.resume();
    },
    metadata,
    done,
    peerEnded,
  };
}

function deliver(st: CallState, bytes: Uint8Array): void {
  try {
    st.handler!(bytes);
  } catch (err) {
    st.side.cancel({ code: grpc.status.INTERNAL, details: 'message handler failed' });
    // A handler bug must not be swallowed: surface it outside the stream machinery.
    setImmediate(() => {
      throw err;
    });
  }
}

function send(st: CallState, bytes: Uint8Array): boolean {
  const { stream } = st;
  if (st.settled || stream.writableEnded || stream.destroyed) return false;
  return stream.write(toBuffer(bytes));
}

function sendMany(st: CallState, list: readonly Uint8Array[]): boolean {
  const { stream } = st;
  if (list.length === 1) return send(st, list[0]!);
  if (st.settled || stream.writableEnded || stream.destroyed) return false;
  // Only when grpc-js holds nothing of ours: the raw write must not overtake a message.
  const h2 = stream.writableLength === 0 ? st.raw?.() : undefined;
  if (!h2 || h2.writableEnded || h2.destroyed) {
    let ok = true;
    for (const b of list) ok = send(st, b) && ok;
    return ok;
  }
  return h2.write(frameMessages(list));
}

function drained(st: CallState): Promise<void> {
  if (st.settled) return Promise.resolve();
  const h2 = st.raw?.();
  const waits: Promise<void>[] = [];
  if (st.stream.writableNeedDrain) waits.push(drainedOf(st.stream, st.done));
  if (h2?.writableNeedDrain) waits.push(drainedOf(h2, st.done));
  return waits.length === 0 ? Promise.resolve() : Promise.all(waits).then(() => undefined);
}

/** Resolves when `s` may be written again (or the call is over). */
function drainedOf(s: NodeDuplex, done: Promise<DuplexEnd>): Promise<void> {
  return new Promise<void>((resolve) => {
    const finish = () => {
      s.off('drain', finish);
      s.off('close', finish);
      resolve();
    };
    s.on('drain', finish);
    s.on('close', finish);
    void done.then(finish);
  });
}

/** gRPC message framing, several messages in one buffer: [0][length, u32 BE][bytes] each (uncompressed). */
export function frameMessages(list: readonly Uint8Array[]): Buffer {
  let total = 0;
  for (const b of list) total += 5 + b.byteLength;
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (const b of list) {
    out[at] = 0;
    out.writeUInt32BE(b.byteLength, at + 1);
    out.set(b, at + 5);
    at += 5 + b.byteLength;
  }
  return out;
}
