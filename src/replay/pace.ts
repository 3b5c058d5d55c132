/**
 * Replay timing as a pure function, in the style of ghz's pacer: given the live clock,
 * the live instant a message (or answer) was released and its recorded delay after the
 * event that released it, how long to wait before sending it.
 *
 * Invariants: the wait is never negative; `fast` never waits; `<N>x` divides recorded
 * delays by N (2x plays twice as fast, 0.5x twice as slow); a late message (the
 * scaled delay already elapsed) is sent at once, never "caught up" by skipping others.
 */
export type Pace = { mode: 'recorded' } | { mode: 'fast' } | { mode: 'scaled'; factor: number };

export const DEFAULT_PACE: Pace = { mode: 'recorded' };

/** Parse `recorded`, `fast` or `<N>x` (N > 0, e.g. `10x`, `0.5x`). Throws a one-line error otherwise. */
export function parsePace(text: string): Pace {
  const t = text.trim().toLowerCase();
  if (t === 'recorded' || t === '1x') return { mode: 'recorded' };
  if (t === 'fast') return { mode: 'fast' };
  const m = /^(\d+(?:\.\d+)?|\.\d+)x$/.exec(t);
  if (m) {
    const factor = Number(m[1]);
    if (Number.isFinite(factor) && factor > 0) return { mode: 'scaled', factor };
  }
  throw new Error(`invalid pace "${text}": expected recorded, fast or <N>x with N > 0 (e.g. 10x)`);
}

export function formatPace(pace: Pace): string {
  return pace.mode === 'scaled' ? `${pace.factor}x` : pace.mode;
}

/** The recorded delay as it should be kept live, in ms. */
export function scaledDelay(recordedDelayMs: number, pace: Pace): number {
  const d = Math.max(0, recordedDelayMs);
  switch (pace.mode) {
    case 'fast':
      return 0;
    case 'recorded':
      return d;
    case 'scaled':
      return d / pace.factor;
  }
}

/**
 * Milliseconds to wait, from `nowMs`, before sending something released at `releasedAtMs`
 * whose recorded delay after its releasing event was `recordedDelayMs`.
 */
export function paceWait(nowMs: number, releasedAtMs: number, recordedDelayMs: number, pace: Pace): number {
  const due = releasedAtMs + scaledDelay(recordedDelayMs, pace);
  return Math.max(0, due - nowMs);
}
