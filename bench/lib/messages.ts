import { randomUUID } from 'node:crypto';
import { encodeMessage, makeMessage } from '../../src/codec/streaming-message.js';

const TEMPLATE_ID = '00000000-0000-4000-8000-000000000000';

/**
 * Valid StreamingMessage bytes of exactly `size` bytes: an InvocationResponse (worker → host)
 * with the given invocation id, padded with a string return value.
 */
export function invocationResponseOfSize(size: number, invocationId = TEMPLATE_ID): Uint8Array {
  const build = (pad: number) =>
    encodeMessage(
      makeMessage({
        content: {
          case: 'invocationResponse',
          value: {
            invocationId,
            returnValue: { data: { case: 'string', value: 'x'.repeat(pad) } },
            result: { status: 1 },
          },
        },
      }),
    );
  // Length prefixes grow with the pad, so search the pad that lands exactly on `size`.
  let pad = Math.max(0, size - build(0).length);
  for (let i = 0; i < 8; i += 1) {
    const got = build(pad).length;
    if (got === size) return build(pad);
    pad = Math.max(0, pad + size - got);
  }
  const out = build(pad);
  if (out.length !== size) throw new Error(`cannot build a ${size}-byte message (got ${out.length})`);
  return out;
}

/**
 * Messages of `size` bytes, each with a fresh random invocation id (as real invocations
 * have: ids land at random places in the recording's invocation index). Cheap: a copy of a
 * template with the 36-character id written over it.
 */
export interface MessageSource {
  next(): Buffer;
}

export function createMessageSource(size: number): MessageSource {
  const template = Buffer.from(invocationResponseOfSize(size));
  const offset = template.indexOf(TEMPLATE_ID, 0, 'latin1');
  if (offset < 0) throw new Error('template id not found');
  return {
    next() {
      const b = Buffer.allocUnsafe(template.length);
      template.copy(b);
      b.write(randomUUID(), offset, 'latin1');
      return b;
    },
  };
}

/** A pool of `count` distinct messages of `size` bytes (fresh random ids). */
export function messagePool(size: number, count: number): Buffer[] {
  const src = createMessageSource(size);
  return Array.from({ length: count }, () => src.next());
}
