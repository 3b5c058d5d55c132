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
 * payloads are skipped, nothing is allocated but the id string. Never throws: malformed
 * bytes give `other`. A response without a `result` has status `none`. This is the hot
 * path of bench (once per answer), hence a hand-written wire walker.
 */
export function readWorkerAnswer(bytes: Uint8Array): WorkerAnswer {
  const c: Cursor = { b: bytes, pos: 0 };
  try {
    while (c.pos < bytes.length) {
      const tag = varint(c);
      const field = tag >>> 3;
      const wt = tag & 7;
      if (wt === 2 && (field === 5 || field === 2)) {
        const len = varint(c);
        const end = c.pos + len;
        if (end > bytes.length) return OTHER;
        return field === 5 ? readResponse(c, end) : readLog(c, end);
      }
      skip(c, wt);
    }
  } catch {
    // malformed: fall through
  }
  return OTHER;
}

interface Cursor {
  b: Uint8Array;
  pos: number;
}

function varint(c: Cursor): number {
  let result = 0;
  let shift = 0;
  for (;;) {
    if (c.pos >= c.b.length) throw new Error('truncated');
    const byte = c.b[c.pos++]!;
    if (shift < 28) result |= (byte & 0x7f) << shift;
    else result += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return result;
    shift += 7;
    if (shift > 63) throw new Error('bad varint');
  }
}

function skip(c: Cursor, wt: number): void {
  if (wt === 0) varint(c);
  else if (wt === 1) c.pos += 8;
  else if (wt === 2) {
    const len = varint(c); // read before adding: `c.pos += varint(c)` would add to the old pos
    c.pos += len;
  }
  else if (wt === 5) c.pos += 4;
  else throw new Error(`wire type ${wt}`);
  if (c.pos > c.b.length) throw new Error('truncated');
}

function text(c: Cursor, len: number): string {
  const start = c.pos;
  c.pos += len;
  if (c.pos > c.b.length) throw new Error('truncated');
  // Invocation ids are ASCII GUIDs; decode as UTF-8 anyway so any id round-trips.
  return Buffer.from(c.b.buffer, c.b.byteOffset + start, len).toString('utf8');
}

function readResponse(c: Cursor, end: number): WorkerAnswer {
  let invocationId = '';
  let status = 'none';
  while (c.pos < end) {
    const tag = varint(c);
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 1 && wt === 2) invocationId = text(c, varint(c));
    else if (field === 3 && wt === 2) {
      const len = varint(c);
      status = readStatus(c, c.pos + len);
    } else skip(c, wt);
  }
  return { kind: 'invocationResponse', invocationId, status };
}

function readStatus(c: Cursor, end: number): string {
  let n = 0;
  while (c.pos < end) {
    const tag = varint(c);
    if (tag >>> 3 === 4 && (tag & 7) === 0) n = varint(c) | 0;
    else skip(c, tag & 7);
  }
  return STATUS_NAMES[n] ?? `status-${n}`;
}

function readLog(c: Cursor, end: number): WorkerAnswer {
  let invocationId = '';
  while (c.pos < end) {
    const tag = varint(c);
    if (tag >>> 3 === 1 && (tag & 7) === 2) invocationId = text(c, varint(c));
    else skip(c, tag & 7);
  }
  return { kind: 'rpcLog', invocationId };
}
