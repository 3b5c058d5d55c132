import { messageFrame } from '../codec/compression.js';
import type { StoredFrame } from '../model/frame.js';

/**
 * What replay needs of one recorded frame: a `StoredFrame` from a recording fits, and so
 * does anything built by hand in a test. Frames of one session are given in `seq` order.
 */
export type ReplayFrame = Pick<StoredFrame, 'seq' | 'direction' | 'tNs' | 'bytes' | 'kind'> &
  Partial<Pick<StoredFrame, 'invocationId' | 'functionId' | 'requestId' | 'workerId' | 'compressed'>>;

/** The frames as messages: gRPC-compressed recordings are decompressed once, up front. */
export function messageFrames<T extends ReplayFrame>(frames: Iterable<T>): T[] {
  return Array.from(frames, messageFrame);
}

/** Kinds that are answers only in the sense of being logs: grouped per invocation, never gate anything. */
export const LOG_KIND = 'rpcLog';

/** Recorded time of a frame in ms (fractional) since its session started. */
export function frameMs(frame: Pick<ReplayFrame, 'tNs'>): number {
  return Number(frame.tNs) / 1e6;
}
