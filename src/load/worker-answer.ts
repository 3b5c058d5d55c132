import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';

/** What the load driver needs from a worker message, read without a full decode. */
export type WorkerAnswer =
  | { kind: 'invocationResponse'; invocationId: string; status: string }
  | { kind: 'rpcLog'; invocationId: string }
  | { kind: 'other' };

/** StatusResult.Status names by number (proto3: an absent status is 0 = Failure). */
const STATUS_NAMES = ['Failure', 'Success', 'Cancelled'];

const OTHER: WorkerAnswer = { kind: 'other' };

/**
 * Read kind, invocation id and result status of a worker→host message. Walks only
 * StreamingMessage's top level, the InvocationResponse/RpcLog fields and StatusResult;
 * payloads are skipped. Never throws: malformed bytes give `other`. A response without a
 * `result` has status `none`.
 */
export function readWorkerAnswer(bytes: Uint8Array): WorkerAnswer {
  try {
    const r = new BinaryReader(bytes);
    while (r.pos < r.len) {
      const [field, wt] = r.tag();
      if (field === 5 && wt === WireType.LengthDelimited) return readResponse(r.bytes());
      if (field === 2 && wt === WireType.LengthDelimited) return readLog(r.bytes());
      r.skip(wt, field);
    }
  } catch {
    // fall through
  }
  return OTHER;
}

function readResponse(inner: Uint8Array): WorkerAnswer {
  const r = new BinaryReader(inner);
  let invocationId = '';
  let status = 'none';
  while (r.pos < r.len) {
    const [field, wt] = r.tag();
    if (field === 1 && wt === WireType.LengthDelimited) invocationId = r.string();
    else if (field === 3 && wt === WireType.LengthDelimited) status = readStatus(r.bytes());
    else r.skip(wt, field);
  }
  return { kind: 'invocationResponse', invocationId, status };
}

function readStatus(inner: Uint8Array): string {
  const r = new BinaryReader(inner);
  let n = 0;
  while (r.pos < r.len) {
    const [field, wt] = r.tag();
    if (field === 4 && wt === WireType.Varint) n = r.int32();
    else r.skip(wt, field);
  }
  return STATUS_NAMES[n] ?? `status-${n}`;
}

function readLog(inner: Uint8Array): WorkerAnswer {
  const r = new BinaryReader(inner);
  let invocationId = '';
  while (r.pos < r.len) {
    const [field, wt] = r.tag();
    if (field === 1 && wt === WireType.LengthDelimited) invocationId = r.string();
    else r.skip(wt, field);
  }
  return { kind: 'rpcLog', invocationId };
}
