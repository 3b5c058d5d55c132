import { describe } from '../../src/codec/describe.js';
import { encodeMessage, makeMessage } from '../../src/codec/streaming-message.js';
import type { Direction } from '../../src/model/frame.js';
import type { ReplayFrame } from '../../src/replay/replay-frame.js';

type Init = Parameters<typeof makeMessage>[0];

/**
 * Build a recorded session by hand for table tests: each entry is a direction, the
 * recorded ms and a message init. Seq numbers follow the list order.
 */
export function buildFrames(entries: ReadonlyArray<readonly [Direction, number, Init]>): ReplayFrame[] {
  return entries.map(([direction, ms, init], seq) =>
    frameOf(seq, direction, ms, encodeMessage(makeMessage(init))),
  );
}

export function frameOf(seq: number, direction: Direction, ms: number, bytes: Uint8Array): ReplayFrame {
  const d = describe(bytes);
  const f: ReplayFrame = { seq, direction, tNs: BigInt(Math.round(ms * 1e6)), bytes, kind: d.kind };
  if (d.invocationId !== undefined) f.invocationId = d.invocationId;
  if (d.functionId !== undefined) f.functionId = d.functionId;
  if (d.requestId !== undefined) f.requestId = d.requestId;
  if (d.workerId !== undefined) f.workerId = d.workerId;
  return f;
}

/** Shorthand for `{ case, value }` message inits. */
export function m(kind: string, value: object, requestId = ''): Init {
  return { requestId, content: { case: kind, value } } as Init;
}
