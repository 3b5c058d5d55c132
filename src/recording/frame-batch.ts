import type { Direction, Frame } from '../model/frame.js';
import type { SessionEnd, SessionStart } from '../model/session.js';

/** A session event as written to the store. */
export type SessionControl = { type: 'session-start'; session: SessionStart } | { type: 'session-end'; end: SessionEnd };

/** A session event placed between frames: applied before frame number `at` of the batch. */
export type BatchControl = SessionControl & { at: number };

/**
 * Frames in transferable form: one ArrayBuffer holds every frame's bytes back to back,
 * a Float64Array holds FIELDS numbers per frame and a BigInt64Array the ns stamps. The
 * three buffers move to the writer thread without copying (postMessage transfer list).
 */
export interface FrameBatch {
  id: number;
  count: number;
  bytes: number;
  data: ArrayBuffer;
  meta: ArrayBuffer;
  stamps: ArrayBuffer;
  controls: BatchControl[];
}

const FIELDS = 8; // sessionId, seq, dirSeq, direction, wallMs, compressed, offset, length

/** Collects frames (copying their bytes) and session events into the next batch. */
export interface BatchBuilder {
  readonly count: number;
  readonly bytes: number;
  /** True when nothing (neither frames nor session events) is waiting. */
  readonly empty: boolean;
  addFrame(frame: Frame): void;
  addControl(control: SessionControl): void;
  /** Hand over everything collected as a batch with this id, and start afresh. */
  take(id: number): FrameBatch;
}

export function createBatchBuilder(initialFrames = 256, initialBytes = 64 * 1024): BatchBuilder {
  let frameCap = initialFrames;
  let byteCap = initialBytes;
  let data = new Uint8Array(byteCap);
  let meta = new Float64Array(frameCap * FIELDS);
  let stamps = new BigInt64Array(frameCap);
  let count = 0;
  let used = 0;
  let controls: BatchControl[] = [];

  function growFrames(): void {
    frameCap *= 2;
    const m = new Float64Array(frameCap * FIELDS);
    m.set(meta);
    meta = m;
    const s = new BigInt64Array(frameCap);
    s.set(stamps);
    stamps = s;
  }
  function growBytes(need: number): void {
    while (byteCap < need) byteCap *= 2;
    const d = new Uint8Array(byteCap);
    d.set(data.subarray(0, used));
    data = d;
  }

  return {
    get count() {
      return count;
    },
    get bytes() {
      return used;
    },
    get empty() {
      return count === 0 && controls.length === 0;
    },
    addFrame(f) {
      if (count === frameCap) growFrames();
      if (used + f.bytes.length > byteCap) growBytes(used + f.bytes.length);
      data.set(f.bytes, used);
      const o = count * FIELDS;
      meta[o] = f.sessionId;
      meta[o + 1] = f.seq;
      meta[o + 2] = f.dirSeq;
      meta[o + 3] = f.direction === 'toHost' ? 0 : 1;
      meta[o + 4] = f.wallMs;
      meta[o + 5] = f.compressed ? 1 : 0;
      meta[o + 6] = used;
      meta[o + 7] = f.bytes.length;
      stamps[count] = f.tNs;
      used += f.bytes.length;
      count++;
    },
    addControl(c) {
      controls.push({ ...c, at: count });
    },
    take(id) {
      const batch: FrameBatch = {
        id,
        count,
        bytes: used,
        data: data.buffer as ArrayBuffer,
        meta: meta.buffer as ArrayBuffer,
        stamps: stamps.buffer as ArrayBuffer,
        controls,
      };
      // Size the next batch like this one, so a steady stream does not regrow each time
      // (but one huge message does not make every later batch huge).
      frameCap = Math.max(initialFrames, Math.min(nextPow2(count), 16_384));
      byteCap = Math.max(initialBytes, Math.min(nextPow2(used), 4 * 1024 * 1024));
      data = new Uint8Array(byteCap);
      meta = new Float64Array(frameCap * FIELDS);
      stamps = new BigInt64Array(frameCap);
      count = 0;
      used = 0;
      controls = [];
      return batch;
    },
  };
}

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/**
 * Visit a batch in order: each session event before the frame it preceded, then the
 * frames (whose bytes are views into the batch's buffer, not copies).
 */
export function readBatch(
  batch: FrameBatch,
  visit: { frame(f: Frame): void; control(c: BatchControl): void },
): void {
  const data = new Uint8Array(batch.data);
  const meta = new Float64Array(batch.meta);
  const stamps = new BigInt64Array(batch.stamps);
  let c = 0;
  for (let i = 0; i < batch.count; i++) {
    while (c < batch.controls.length && batch.controls[c]!.at <= i) visit.control(batch.controls[c++]!);
    const o = i * FIELDS;
    visit.frame({
      sessionId: meta[o]!,
      seq: meta[o + 1]!,
      dirSeq: meta[o + 2]!,
      direction: (meta[o + 3] === 0 ? 'toHost' : 'toWorker') as Direction,
      wallMs: meta[o + 4]!,
      compressed: meta[o + 5] === 1,
      tNs: stamps[i]!,
      bytes: data.subarray(meta[o + 6]!, meta[o + 6]! + meta[o + 7]!),
    });
  }
  while (c < batch.controls.length) visit.control(batch.controls[c++]!);
}

/** Per-session frame counts of a batch (for counting what a failed batch lost). */
export function framesPerSession(batch: FrameBatch): Map<number, number> {
  const meta = new Float64Array(batch.meta);
  const out = new Map<number, number>();
  for (let i = 0; i < batch.count; i++) {
    const id = meta[i * FIELDS]!;
    out.set(id, (out.get(id) ?? 0) + 1);
  }
  return out;
}
