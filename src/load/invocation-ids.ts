import { randomBytes } from 'node:crypto';

/**
 * The invocation ids of one bench run: GUID-shaped (version 4 layout),
 * `rrrrrrrr-rrrr-4rrr-Vrrr-SSSSSSSSSSSS`: 72 random bits fixed for the run, then the
 * invocation's sequence number in 12 hex digits. Invariant: every id of a run is
 * distinct, and ids of different runs differ (the random part). Writing and reading the
 * sequence number straight in message bytes keeps the hot path free of string work.
 */
export interface InvocationIds {
  /** The 24 characters before the sequence number (ends with `-`). */
  readonly prefix: string;
  /** The id of invocation number `seq`. */
  id(seq: number): string;
  /** Write `seq` as 12 lowercase hex digits at `offset`. */
  writeSeq(buf: Uint8Array, offset: number, seq: number): void;
  /** The sequence number of the id in `bytes[start, start + len)`, or -1 when it is not an id of this run. */
  seqOf(bytes: Uint8Array, start: number, len: number): number;
}

const HEX = '0123456789abcdef';
const HEX_CODES = Uint8Array.from(HEX, (c) => c.charCodeAt(0));
/** Largest sequence number 12 hex digits hold (2^48 - 1). */
const MAX_SEQ = 0xffffffffffff;

export function createInvocationIds(random: (n: number) => Uint8Array = randomBytes): InvocationIds {
  const r = random(9);
  const hex = [...r].map((b) => HEX[b >> 4]! + HEX[b & 15]!).join(''); // 18 hex digits
  const variant = HEX[8 + (r[0]! & 3)]!; // the RFC 4122 variant: 8, 9, a or b
  const prefix = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(12, 15)}-${variant}${hex.slice(15, 18)}-`;
  const prefixBytes = Buffer.from(prefix, 'latin1');
  return {
    prefix,
    id(seq) {
      return prefix + seq.toString(16).padStart(12, '0');
    },
    writeSeq(buf, offset, seq) {
      if (!(seq >= 0 && seq <= MAX_SEQ)) throw new RangeError(`invocation sequence ${seq} out of range`);
      let n = seq;
      for (let i = 11; i >= 0; i--) {
        buf[offset + i] = HEX_CODES[n % 16]!;
        n = Math.floor(n / 16);
      }
    },
    seqOf(bytes, start, len) {
      if (len !== 36) return -1;
      for (let i = 0; i < 24; i++) if (bytes[start + i] !== prefixBytes[i]) return -1;
      let n = 0;
      for (let i = 24; i < 36; i++) {
        const c = bytes[start + i]!;
        const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
        if (d < 0) return -1;
        n = n * 16 + d;
      }
      return n;
    },
  };
}
