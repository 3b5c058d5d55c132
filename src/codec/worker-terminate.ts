import { WireType } from '@bufbuild/protobuf/wire';
import { contentField, F } from './field-numbers.js';
import { decodeMessage } from './streaming-message.js';

/** StreamingMessage.request_id and .worker_terminate field numbers (both below 16: one-byte tags). */
const REQUEST_ID = F.streamingMessage.requestId;
const WORKER_TERMINATE = contentField('workerTerminate');

const tagByte = (field: number) => (field << 3) | WireType.LengthDelimited;

/**
 * When `bytes` is a WorkerTerminate, its grace period in ms (absent: 0); otherwise
 * undefined. Cheap for every other message: only the first top-level tag (after a leading
 * request_id, where hosts put it) is read; the WorkerTerminate itself, rare, is decoded.
 * Never throws.
 */
export function workerTerminateGraceMs(bytes: Uint8Array): number | undefined {
  // Byte checks first, no allocation: the tags are single bytes (field < 16).
  let at = 0;
  if (bytes[0] === tagByte(REQUEST_ID)) {
    let length = 0;
    let shift = 0;
    let b: number | undefined;
    do {
      b = bytes[++at];
      if (b === undefined || shift > 28) return undefined;
      length += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    at += 1 + length;
  }
  if (bytes[at] !== tagByte(WORKER_TERMINATE)) return undefined;
  try {
    const m = decodeMessage(bytes);
    if (m.content.case !== 'workerTerminate') return undefined;
    const g = m.content.value.gracePeriod;
    return g ? Number(g.seconds) * 1000 + Math.floor(g.nanos / 1e6) : 0;
  } catch {
    return undefined;
  }
}
