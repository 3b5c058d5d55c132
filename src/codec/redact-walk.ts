import { ScalarType, type DescField, type DescMessage } from '@bufbuild/protobuf';
import type { NameTest } from './redact-glob.js';
import { isMarkerBytes, type MarkSecret } from './redact-marker.js';
import type { PathMatcher, PathStates } from './redact-paths.js';
import { redactJsonObject, redactUrl, type MarkText } from './redact-text.js';
import type { BinaryWriter } from '@bufbuild/protobuf/wire';
import * as G from '../gen/FunctionRpc_pb.js';
import { RpcClaimSchema } from '../gen/identity/ClaimsIdentityRpc_pb.js';
import { F } from './field-numbers.js';
import { newField } from './field-reader.js';
import { messageSpan, type MessageSpan, type WireReader } from './message-reader.js';
import { applySplices, nextLenField, type Edit, type Splice } from './redact-wire.js';

/**
 * The schema-driven walk behind `createRedactor`: it reads protobuf wire bytes, goes
 * down only into fields that can lead to a secret (by the built-in rules or a field
 * path), and splices markers in place of secret values. Bytes it does not change are
 * copied as they are. Returns null when nothing changed; throws on malformed bytes.
 */
export interface Walker {
  header: NameTest;
  query: NameTest;
  env: NameTest;
  paths: PathMatcher;
  markBytes: MarkSecret;
  markText: MarkText;
  /** What the walk needs to know about a message type, computed once per type. */
  levelOf(desc: DescMessage): Level;
  /** Writes each redacted message, one at a time (a change at any depth is written with the whole message, once). */
  writer: BinaryWriter;
  decoder: { decode(bytes: Uint8Array): string };
  encoder: { encode(text: string): Uint8Array };
}

/** A message type as the walk sees it. */
export interface Level {
  fields: ReadonlyMap<number, DescField>;
  /** The built-in rules of this type's own fields (BUILTIN_RULES). */
  builtins: ReadonlyMap<number, Builtin> | undefined;
  /**
   * Field numbers the built-in rules care about: a rule of their own, or a message type
   * that `reaches` a secret. With no field path alive and mode `none`, every other field
   * is skipped without looking at its bytes.
   */
  builtinFields: ReadonlySet<number>;
  /** The built-in rules can find a secret somewhere below a message of this type. */
  reaches: boolean;
}

/** What the built-in rules do with one field. */
export type Builtin = 'env-map' | 'header-map' | 'query-map' | 'trigger-map' | 'url' | 'always';

/** Built-in rules: message type → field number → action (numbers from the generated descriptors). */
export const BUILTIN_RULES: ReadonlyMap<string, ReadonlyMap<number, Builtin>> = new Map([
  [
    G.FunctionEnvironmentReloadRequestSchema.typeName,
    new Map([[F.functionEnvironmentReloadRequest.environmentVariables, 'env-map']]),
  ],
  [
    G.RpcHttpSchema.typeName,
    new Map<number, Builtin>([
      [F.rpcHttp.url, 'url'],
      [F.rpcHttp.headers, 'header-map'],
      [F.rpcHttp.nullableHeaders, 'header-map'],
      [F.rpcHttp.query, 'query-map'],
      [F.rpcHttp.nullableQuery, 'query-map'],
    ]),
  ],
  [G.RpcHttpCookieSchema.typeName, new Map([[F.rpcHttpCookie.value, 'always']])],
  [RpcClaimSchema.typeName, new Map([[F.rpcClaim.value, 'always']])],
  [G.InvocationRequestSchema.typeName, new Map([[F.invocationRequest.triggerMetadata, 'trigger-map']])],
]);

/**
 * How a message is walked: `all` redacts every text/bytes value below (a field path
 * matched above); `json-headers`/`json-query` is a trigger_metadata `Headers`/`Query`
 * TypedData whose JSON text holds header or query values.
 */
export type Mode = 'none' | 'all' | 'json-headers' | 'json-query';

const TYPED_DATA = G.TypedDataSchema.typeName;
/** TypedData members holding text a trigger_metadata `Headers`/`Query` entry carries as JSON. */
const TYPED_TEXT = [F.typedData.string, F.typedData.json];

function isText(scalar: ScalarType | undefined): boolean {
  return scalar === ScalarType.STRING || scalar === ScalarType.BYTES;
}

/** Marker bytes for a secret value, or null for an empty value or one that already is a marker. */
function redactValue(payload: Uint8Array, w: Walker): Uint8Array | null {
  if (payload.length === 0 || isMarkerBytes(payload)) return null;
  return w.markBytes(payload);
}

function redactTextWith(
  payload: Uint8Array,
  w: Walker,
  edit: (text: string) => string | null,
): Uint8Array | null {
  const out = edit(w.decoder.decode(payload));
  return out === null ? null : w.encoder.encode(out);
}

/** Map keys are short and nearly always ASCII: build those without a TextDecoder call. */
function decodeKey(buf: Uint8Array, start: number, end: number, w: Walker): string {
  if (end - start > 64) return w.decoder.decode(buf.subarray(start, end));
  let s = '';
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c >= 0x80) return w.decoder.decode(buf.subarray(start, end));
    s += String.fromCharCode(c);
  }
  return s;
}

/** The URL rule only matters for URLs with a query string or userinfo. */
function mayHoldUrlSecret(payload: Uint8Array): boolean {
  return payload.includes(0x3f /* ? */) || payload.includes(0x40 /* @ */);
}

/**
 * One message being walked: a single reader over its bytes (a plain Uint8Array view),
 * every nested level a span [start, end) of them.
 */
interface Walk {
  m: WireReader;
  buf: Uint8Array;
  w: Walker;
}

/** `span`: the message's span from message-reader.ts (e.g. the one describe used), or none for a reader of its own. */
export function walkMessage(
  bytes: Uint8Array,
  desc: DescMessage,
  w: Walker,
  states: PathStates,
  mode: Mode,
  span: MessageSpan = messageSpan(bytes),
): Uint8Array | null {
  const k: Walk = { m: span, buf: span.buf, w };
  const edit = walkSpan(k, span.start, span.end, desc, states, mode);
  // The whole message is written once, however deep its changes are.
  return edit === null ? null : applySplices(k.buf, edit.splices, edit.from, edit.to, w.writer);
}

/** Walk the message of type `desc` at [from, to); its edit, or null when nothing in it changed. */
function walkSpan(
  k: Walk,
  from: number,
  to: number,
  desc: DescMessage,
  states: PathStates,
  mode: Mode,
): Edit | null {
  const { m, buf, w } = k;
  const { fields, builtins, builtinFields } = w.levelOf(desc);
  const onlyBuiltin = mode === 'none' && states.length === 0 ? builtinFields : undefined;
  let splices: Splice[] | undefined;
  let listIndex: Map<number, number> | undefined;
  const f = newField();
  m.reader.pos = from;
  while (nextLenField(m, to, f)) {
    const { no: fieldNo, at: lenPos, start, end } = f;
    if (onlyBuiltin !== undefined && !onlyBuiltin.has(fieldNo)) continue;
    const field = fields.get(fieldNo);
    if (field === undefined) continue;
    const fStates = w.paths.step(states, field.jsonName, field.name);
    const fAll = mode === 'all' || w.paths.accepts(fStates);
    const builtin = builtins?.get(fieldNo);
    let out: Uint8Array | Edit | null = null;
    switch (field.fieldKind) {
      case 'scalar': {
        if (!isText(field.scalar)) break;
        const payload = buf.subarray(start, end);
        if (fAll || builtin === 'always') out = redactValue(payload, w);
        else if (builtin === 'url' && mayHoldUrlSecret(payload))
          out = redactTextWith(payload, w, (t) => redactUrl(t, w.query, w.markText));
        else if (
          (mode === 'json-headers' || mode === 'json-query') &&
          desc.typeName === TYPED_DATA &&
          TYPED_TEXT.includes(fieldNo)
        ) {
          const names = mode === 'json-headers' ? w.header : w.query;
          out = redactTextWith(payload, w, (t) => redactJsonObject(t, names, w.markText));
        }
        break;
      }
      case 'message':
        out = descend(k, start, end, field.message, fStates, fAll ? 'all' : 'none');
        break;
      case 'list': {
        listIndex ??= new Map();
        const index = listIndex.get(fieldNo) ?? 0;
        listIndex.set(fieldNo, index + 1);
        const eStates = fStates.length === 0 ? fStates : w.paths.step(fStates, String(index));
        const eAll = fAll || w.paths.accepts(eStates);
        if (field.listKind === 'message')
          out = descend(k, start, end, field.message, eStates, eAll ? 'all' : 'none');
        else if (field.listKind === 'scalar' && isText(field.scalar) && eAll)
          out = redactValue(buf.subarray(start, end), w);
        break;
      }
      case 'map':
        out = walkMapEntry(k, start, end, field, fStates, fAll, builtin);
        break;
      default:
        break;
    }
    // A nested walk moved the reader: carry on after this field.
    m.reader.pos = end;
    if (out !== null) (splices ??= []).push({ from: lenPos, to: end, payload: out });
  }
  return splices === undefined ? null : { from, to, splices };
}

function descend(
  k: Walk,
  from: number,
  to: number,
  desc: DescMessage,
  states: PathStates,
  mode: Mode,
): Edit | null {
  if (mode === 'none' && states.length === 0 && !k.w.levelOf(desc).reaches) return null;
  return walkSpan(k, from, to, desc, states, mode);
}

/** A map entry is a small message: key = 1, value = 2. Values are redacted by key. */
function walkMapEntry(
  k: Walk,
  from: number,
  to: number,
  field: DescField & { fieldKind: 'map' },
  states: PathStates,
  all: boolean,
  builtin: Builtin | undefined,
): Edit | null {
  const { m, buf, w } = k;
  let key = '';
  let lenPos = -1;
  let start = 0;
  let end = 0;
  const f = newField();
  m.reader.pos = from;
  while (nextLenField(m, to, f)) {
    if (f.no === 1) key = decodeKey(buf, f.start, f.end, w);
    else if (f.no === 2) ({ at: lenPos, start, end } = f);
  }
  if (lenPos < 0) return null;
  const kStates = w.paths.step(states, key);
  let secret = all || w.paths.accepts(kStates);
  if (!secret && builtin === 'env-map') secret = w.env(key);
  else if (!secret && builtin === 'header-map') secret = w.header(key);
  else if (!secret && builtin === 'query-map') secret = w.query(key);
  let out: Uint8Array | Edit | null = null;
  if (field.mapKind === 'scalar') {
    if (secret && isText(field.scalar)) out = redactValue(buf.subarray(start, end), w);
  } else if (field.mapKind === 'message') {
    let mode: Mode = secret ? 'all' : 'none';
    if (!secret && builtin === 'trigger-map') {
      const lower = key.toLowerCase();
      if (lower === 'headers') mode = 'json-headers';
      else if (lower === 'query') mode = 'json-query';
      // Hosts also copy each query parameter into the binding data as its own entry.
      else if (w.query(key)) mode = 'all';
    }
    out =
      mode === 'none'
        ? descend(k, start, end, field.message, kStates, mode)
        : walkSpan(k, start, end, field.message, kStates, mode);
  }
  return out === null ? null : { from, to, splices: [{ from: lenPos, to: end, payload: out }] };
}
