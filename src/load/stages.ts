import { parseDuration } from './duration.js';

/** One `--stages` step: ramp linearly from the level in force to `target` over `durationMs`. */
export interface Stage {
  durationMs: number;
  target: number;
  /** True when the value was written as a rate (`100/s`), which implies the open loop. */
  rate: boolean;
}

/**
 * Parse `10s:100,30s:500,10s:0` (optionally `10s:100/s` to say "rate"). Throws a
 * message fit for the user. Every stage has a positive duration and a target ≥ 0.
 */
export function parseStages(text: string): Stage[] {
  const parts = text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (parts.length === 0) throw new Error('--stages is empty (expected e.g. "10s:100,30s:500,10s:0")');
  return parts.map((part) => {
    const m = /^([^:]+):\s*(\d+(?:\.\d+)?)\s*(\/s|rps)?$/.exec(part);
    if (!m) throw new Error(`bad stage "${part}" (expected DURATION:TARGET, e.g. 30s:500)`);
    const durationMs = parseDuration(m[1]!);
    if (!(durationMs > 0)) throw new Error(`stage "${part}" has no duration`);
    return { durationMs, target: Number(m[2]), rate: m[3] !== undefined };
  });
}

/**
 * A load level (rate per second, or concurrency) as a piecewise-linear function of time
 * since the start of the run. Invariant: segments are contiguous from 0, and the last
 * one holds its level for ever.
 */
export interface Segment {
  startMs: number;
  durationMs: number;
  from: number;
  to: number;
}

/** The segments of a run: warmup held at `warmupLevel`, then the stages ramping from `base`. */
export function buildSegments(
  warmupMs: number,
  warmupLevel: number,
  base: number,
  stages: readonly Stage[],
): Segment[] {
  const out: Segment[] = [];
  let t = 0;
  if (warmupMs > 0) {
    out.push({ startMs: 0, durationMs: warmupMs, from: warmupLevel, to: warmupLevel });
    t = warmupMs;
  }
  let level = base;
  for (const s of stages) {
    out.push({ startMs: t, durationMs: s.durationMs, from: level, to: s.target });
    t += s.durationMs;
    level = s.target;
  }
  out.push({ startMs: t, durationMs: Infinity, from: level, to: level });
  return out;
}

/** The level at time t (ms). */
export function levelAt(segments: readonly Segment[], tMs: number): number {
  for (const s of segments) {
    if (tMs < s.startMs + s.durationMs) {
      if (s.durationMs === Infinity || s.from === s.to) return s.from;
      return s.from + ((s.to - s.from) * (tMs - s.startMs)) / s.durationMs;
    }
  }
  return segments[segments.length - 1]!.to;
}

/** ∫₀ᵗ level (with the level a rate per second): how many sends are due by t. */
export function cumulativeAt(segments: readonly Segment[], tMs: number): number {
  let sum = 0;
  for (const s of segments) {
    if (tMs <= s.startMs) break;
    const dt = Math.min(tMs - s.startMs, s.durationMs);
    const slope = s.durationMs === Infinity ? 0 : (s.to - s.from) / s.durationMs;
    sum += (s.from * dt + (slope * dt * dt) / 2) / 1000;
  }
  return sum;
}

/**
 * The first time (ms) at which `cumulativeAt` reaches n, or Infinity when it never does
 * (the level falls to 0 for good). Exact inverse of the piecewise-quadratic integral.
 */
export function timeForCount(segments: readonly Segment[], n: number): number {
  if (n <= 0) return 0;
  let sum = 0;
  for (const s of segments) {
    const slope = s.durationMs === Infinity ? 0 : (s.to - s.from) / s.durationMs;
    const area = s.durationMs === Infinity ? Infinity : (((s.from + s.to) / 2) * s.durationMs) / 1000;
    if (sum + area >= n) {
      const need = (n - sum) * 1000; // in level·ms
      if (slope === 0) return s.from > 0 ? s.startMs + need / s.from : Infinity;
      // from·dt + slope·dt²/2 = need  →  dt = (-from + sqrt(from² + 2·slope·need)) / slope
      const disc = s.from * s.from + 2 * slope * need;
      const dt = (-s.from + Math.sqrt(Math.max(0, disc))) / slope;
      return s.startMs + Math.min(Math.max(dt, 0), s.durationMs);
    }
    sum += area;
  }
  return Infinity;
}
