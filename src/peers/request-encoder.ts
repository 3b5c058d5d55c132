import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { contentField } from '../codec/field-numbers.js';
import { encodeMessage, makeMessage } from '../codec/streaming-message.js';
import {
  dynamicRequestFields,
  staticRequestFields,
  type PlanOptions,
  type PlannedInvocation,
  type RequestIds,
} from './invocation-plan.js';
import { msg } from './messages.js';

const INVOCATION_REQUEST_FIELD = contentField('invocationRequest');
/** Plans repeat (hello cycles names, sleep cycles delays); echo bodies do not, so the cache is capped. */
const MAX_CACHED = 512;

/** The content of the invocationRequest member of an encoded StreamingMessage. */
function innerBytes(whole: Uint8Array): Uint8Array {
  const reader = new BinaryReader(whole);
  const [field, wireType] = reader.tag();
  if (field !== INVOCATION_REQUEST_FIELD || wireType !== WireType.LengthDelimited)
    throw new Error('unexpected encoding of invocationRequest');
  return reader.bytes();
}

/**
 * Encode InvocationRequests fast: the plan-dependent part (the HTTP request, most of it) is
 * encoded once per distinct plan and reused; only ids, `sys` and the trace context are
 * encoded per invocation. The result decodes to exactly the message `invocationRequest()`
 * builds (a test checks); only the order of fields in the bytes differs.
 */
export function createRequestEncoder(): (
  p: PlannedInvocation,
  ids: RequestIds,
  options: PlanOptions,
) => Uint8Array {
  const cache = new Map<string, Uint8Array>();
  return (p, ids, options) => {
    const key = `${p.fn}\0${p.binding ?? ''}\0${p.method}\0${JSON.stringify(p.query)}\0${p.body?.contentType ?? ''}\0${p.body?.text ?? ''}\0${options.rawBodyBytes}`;
    let fixed = cache.get(key);
    if (!fixed) {
      fixed = innerBytes(
        encodeMessage(makeMessage(msg('invocationRequest', staticRequestFields(p, options)))),
      );
      if (cache.size >= MAX_CACHED) cache.clear();
      cache.set(key, fixed);
    }
    const dynamic = innerBytes(
      encodeMessage(makeMessage(msg('invocationRequest', dynamicRequestFields(p, ids)))),
    );
    return new BinaryWriter()
      .tag(INVOCATION_REQUEST_FIELD, WireType.LengthDelimited)
      .fork()
      .raw(dynamic)
      .raw(fixed)
      .join()
      .finish();
  };
}
