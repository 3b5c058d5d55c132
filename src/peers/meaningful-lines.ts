/** A stack frame: JavaScript (`    at f (file:1:2)`) or Python (`  File "x.py", line 3`). */
const STACK_FRAME = /^\s+(at\s|File\s")/;
/** A line naming an error or exception (`Error: Cannot find module`, `ModuleNotFoundError: ...`). */
const ERROR_LINE = /\b\w*(Error|Exception)\b/;

/**
 * The lines of a worker's output worth showing when it failed, at most `max` (≥ 1): blank
 * lines and stack frames dropped, the last lines kept, and when the last line naming an
 * error would be cut off, that line first (Node.js ends a crash with `}` and
 * `Node.js v20...`, well after `Error: Cannot find module ...`). Used by replay and bench.
 */
export function meaningfulLines(lines: readonly string[], max: number): string[] {
  const kept = lines.map((l) => l.trimEnd()).filter((l) => l.trim() !== '' && !STACK_FRAME.test(l));
  if (kept.length <= max) return kept;
  let errorAt = -1;
  for (let i = kept.length - 1; i >= 0 && errorAt < 0; i--) if (ERROR_LINE.test(kept[i]!)) errorAt = i;
  if (errorAt < 0 || errorAt >= kept.length - max) return kept.slice(-max);
  return [kept[errorAt]!, ...kept.slice(kept.length - max + 1)];
}
