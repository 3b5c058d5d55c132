import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { encodeMessage, makeMessage } from '../codec/streaming-message.js';
import { BUILTIN_BY_NAME } from './builtin-functions.js';
import { httpReturnValue, type HttpOutput } from './http-data.js';
import { msg, success } from './messages.js';

const INVOCATION_RESPONSE_FIELD = 5;

function noopOutput(): HttpOutput {
  const r = BUILTIN_BY_NAME.get('noop')!.run(
    { method: '', url: '', query: {}, headers: {}, body: new Uint8Array(0) },
    { greeting: '' },
  );
  if (r.type !== 'return') throw new Error('noop must return');
  return r.output;
}

/**
 * The `noop` answer without per-invocation protobuf work: the InvocationResponse minus
 * its invocation_id is encoded once; each answer is that tail behind a fresh
 * invocation_id field. Invariant: the bytes equal `encodeMessage` of the same message
 * built the ordinary way (a test checks), so the fast path is invisible on the wire.
 */
export function createNoopAnswer(output: HttpOutput = noopOutput()): (invocationId: string) => Uint8Array {
  const whole = encodeMessage(
    makeMessage(
      msg('invocationResponse', {
        invocationId: '',
        returnValue: httpReturnValue(output),
        result: success(),
      }),
    ),
  );
  const reader = new BinaryReader(whole);
  const [field, wireType] = reader.tag();
  if (field !== INVOCATION_RESPONSE_FIELD || wireType !== WireType.LengthDelimited)
    throw new Error('unexpected encoding of invocationResponse');
  const tail = reader.bytes();
  return (invocationId) =>
    new BinaryWriter()
      .tag(INVOCATION_RESPONSE_FIELD, WireType.LengthDelimited)
      .fork()
      .tag(1, WireType.LengthDelimited)
      .string(invocationId)
      .raw(tail)
      .join()
      .finish();
}
