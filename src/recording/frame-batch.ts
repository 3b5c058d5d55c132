import type { Direction, Frame } from '../model/frame.js';
import type { SessionEnd, SessionStart } from '../model/session.js';

/** A session event as written to the store. */
export type SessionControl =
  | { type: 'session-start'; session: SessionStart }
  | { type: 'session-end'; end: SessionEnd };

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

/**
 * Where the low and high 32-bit halves of a 64-bit stamp sit, in 32-bit words, on this
 * platform (typed arrays use its byte order): a number stamp is written as two words
 * into the BigInt64Array's buffer, so no BigInt is made on the proxy's thread.
 */
const LO = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1 ? 0 : 1;
const HI = 1 - LO;
const TWO_32 = 4294967296;
/** The largest double below 2^63: the highest stamp a BigInt64Array slot holds. */
const MAX_STAMP = 2 ** 63 - 1024;

/** Collects frames (copying their bytes) and session events into the next batch. */
export interface BatchBuilder {
  readonly count: number;
  readonly bytes: number;
  /** True when nothing (neither frames nor session events) is waiting. */
  readonly empty: boolean;
  addFrame(frame: Frame): void;
  /**
   * The same as `addFrame` from the fields, allocating nothing (the live proxy's path).
   * `tNs` is ns since the session started: an integer from 0 to 2^53 is kept exactly
   * (2^53 ns is ~104 days); a larger one as the double it is; a fraction is rounded, a
   * negative number or NaN is taken as 0.
   */
  addFrameFields(
    sessionId: number,
    seq: number,
    dirSeq: number,
    direction: Direction,
    tNs: number,
    wallMs: number,
    compressed: boolean,
    bytes: Uint8Array,
  ): void;
  addControl(control: SessionControl): void;
  /** Hand over everything collected as a batch with this id, and start afresh. */
  take(id: number): FrameBatch;
  /**
   * Give back the buffers of a batch the writer is done with (transferred back with its
   * ack), for a later batch to reuse. At a steady rate the builder then allocates nothing:
   * without it, every batch was a fresh ArrayBuffer that lived until the writer thread's
   * next garbage collection, and at full rate those added tens of MB of RSS. Buffers over
   * the usual caps (one huge message) are dropped, not kept.
   */
  recycle(buffers: BatchBuffers): void;
}

/** The three transferable buffers of a batch. */
export type BatchBuffers = Pick<FrameBatch, 'data' | 'meta' | 'stamps'>;

/** At most this many returned buffer sets are kept for reuse. */
const SPARES = 4;
const MAX_RECYCLED_BYTES = 4 * 1024 * 1024;
const MAX_RECYCLED_FRAMES = 16_384;

export function createBatchBuilder(initialFrames = 256, initialBytes = 64 * 1024): BatchBuilder {
  let frameCap = initialFrames;
  let byteCap = initialBytes;
  let data = new Uint8Array(byteCap);
  let meta = new Float64Array(frameCap * FIELDS);
  let stamps = new BigInt64Array(frameCap);
  let stampWords = new Uint32Array(stamps.buffer);
  let count = 0;
  let used = 0;
  let controls: BatchControl[] = [];
  const spares = createSparePool();

  /** Copy one frame's bytes and fields (all but its stamp) into slot `count`. */
  function place(
    sessionId: number,
    seq: number,
    dirSeq: number,
    direction: Direction,
    wallMs: number,
    compressed: boolean,
    bytes: Uint8Array,
  ): void {
    if (count === frameCap) {
      frameCap *= 2;
      ({ meta, stamps } = grownFrames(meta, stamps, frameCap));
      stampWords = new Uint32Array(stamps.buffer);
    }
    if (used + bytes.length > byteCap) {
      data = grownBytes(data, used, used + bytes.length);
      byteCap = data.byteLength;
    }
    data.set(bytes, used);
    const o = count * FIELDS;
    meta[o] = sessionId;
    meta[o + 1] = seq;
    meta[o + 2] = dirSeq;
    meta[o + 3] = direction === 'toHost' ? 0 : 1;
    meta[o + 4] = wallMs;
    meta[o + 5] = compressed ? 1 : 0;
    meta[o + 6] = used;
    meta[o + 7] = bytes.length;
    used += bytes.length;
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
      place(f.sessionId, f.seq, f.dirSeq, f.direction, f.wallMs, f.compressed, f.bytes);
      stamps[count] = f.tNs;
      count++;
    },
    addFrameFields(sessionId, seq, dirSeq, direction, tNs, wallMs, compressed, bytes) {
      place(sessionId, seq, dirSeq, direction, wallMs, compressed, bytes);
      writeStamp(stampWords, count, tNs);
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
      data = spares.dataOf(Math.max(initialBytes, Math.min(nextPow2(used), 4 * 1024 * 1024)));
      byteCap = data.byteLength;
      ({ meta, stamps } = spares.framesOf(Math.max(initialFrames, Math.min(nextPow2(count), 16_384))));
      stampWords = new Uint32Array(stamps.buffer);
      frameCap = Math.min(stamps.length, meta.length / FIELDS);
      count = 0;
      used = 0;
      controls = [];
      return batch;
    },
    recycle: spares.recycle,
  };
}

/** Stamp slot `i` with `tNs` as two 32-bit words (see addFrameFields for the rounding). */
function writeStamp(words: Uint32Array, i: number, tNs: number): void {
  const t = tNs > 0 ? Math.min(Math.round(tNs), MAX_STAMP) : 0;
  const lo = t % TWO_32;
  words[2 * i + LO] = lo;
  words[2 * i + HI] = (t - lo) / TWO_32;
}

/** Copies of a batch's frame arrays with room for `cap` frames. */
function grownFrames(
  meta: Float64Array<ArrayBuffer>,
  stamps: BigInt64Array<ArrayBuffer>,
  cap: number,
): { meta: Float64Array<ArrayBuffer>; stamps: BigInt64Array<ArrayBuffer> } {
  const m = new Float64Array(cap * FIELDS);
  m.set(meta);
  const s = new BigInt64Array(cap);
  s.set(stamps);
  return { meta: m, stamps: s };
}

/** A copy of the first `used` bytes of `data` in a buffer of at least `need` bytes (doubling). */
function grownBytes(data: Uint8Array<ArrayBuffer>, used: number, need: number): Uint8Array<ArrayBuffer> {
  let cap = data.byteLength;
  while (cap < need) cap *= 2;
  const d = new Uint8Array(cap);
  d.set(data.subarray(0, used));
  return d;
}

/** Buffers given back by the writer, kept (at most SPARES of each) for later batches. */
function createSparePool() {
  const spareData: ArrayBuffer[] = [];
  const spareFrames: { meta: ArrayBuffer; stamps: ArrayBuffer }[] = [];
  return {
    /** A spare data buffer of at least `cap` bytes, or a new one. */
    dataOf(cap: number): Uint8Array<ArrayBuffer> {
      const i = spareData.findIndex((b) => b.byteLength >= cap);
      return i < 0 ? new Uint8Array(cap) : new Uint8Array(spareData.splice(i, 1)[0]!);
    },
    /** Spare meta/stamps buffers for at least `cap` frames, or new ones. */
    framesOf(cap: number): { meta: Float64Array<ArrayBuffer>; stamps: BigInt64Array<ArrayBuffer> } {
      const i = spareFrames.findIndex(
        (b) => b.stamps.byteLength >= cap * 8 && b.meta.byteLength >= cap * FIELDS * 8,
      );
      if (i < 0) return { meta: new Float64Array(cap * FIELDS), stamps: new BigInt64Array(cap) };
      const b = spareFrames.splice(i, 1)[0]!;
      return { meta: new Float64Array(b.meta), stamps: new BigInt64Array(b.stamps) };
    },
    recycle(b: BatchBuffers): void {
      // Detached (transferred elsewhere) buffers have byteLength 0: nothing to reuse.
      if (b.data.byteLength > 0 && b.data.byteLength <= MAX_RECYCLED_BYTES && spareData.length < SPARES)
        spareData.push(b.data);
      const frames = b.stamps.byteLength / 8;
      if (
        frames > 0 &&
        frames <= MAX_RECYCLED_FRAMES &&
        b.meta.byteLength >= frames * FIELDS * 8 &&
        spareFrames.length < SPARES
      ) {
        spareFrames.push({ meta: b.meta, stamps: b.stamps });
      }
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
