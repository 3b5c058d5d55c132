import { ScalarType, type DescEnum, type DescField, type DescMessage } from '@bufbuild/protobuf';
import { BinaryReader, WireType, getTextEncoding } from '@bufbuild/protobuf/wire';

/**
 * The proto3 JSON text of a message's wire bytes, written straight from the bytes:
 * exactly `JSON.stringify(toJson(schema, fromBinary(schema, bytes)))` (protobuf-es), but
 * without building the message and the JSON object tree in between (for export, where
 * that was ~40% of a conversion thread's time).
 *
 * Contract: the result is either that exact text or `undefined`. It is undefined for
 * anything outside what this writer mirrors, and then the caller takes the reference
 * path (which also produces the error text of bytes that do not decode): any read that
 * fails, a known field with an unexpected wire type, groups, closed enums, well-known
 * types (their JSON is special), a singular message field or oneof message member that
 * occurs twice (protobuf-es merges them), a map entry without a message value, the map
 * key `__proto__`, and nesting deeper than protobuf-es' recursion limit. Every value is
 * read with the same BinaryReader calls in the same order as protobuf-es reads it, so
 * the values (and the bytes that make a read fail) are the same; fields are written in
 * field-number order, map entries in the order of the object protobuf-es builds.
 * message-json.test.ts compares the two on generated messages of every kind.
 */
export type MessageJsonText = (bytes: Uint8Array) => string | undefined;

/** Thrown (and caught at the top) when the bytes need the reference path. */
class Unsupported extends Error {}
const unsupported = new Unsupported('unsupported');

// google.protobuf.FeatureSet.FieldPresence, as protobuf-es uses them.
const IMPLICIT = 2;
const LEGACY_REQUIRED = 3;
/** protobuf-es' default recursion limit (fromBinary's readContext). */
const RECURSION_LIMIT = 100;
/** Field numbers below this are looked up in an array, the rest in a map. */
const FAR_FIELD = 4096;

interface Cursor {
  /** Reads the whole underlying buffer; positions are absolute in it. */
  r: BinaryReader;
  /** The same bytes as a Buffer (latin1 and base64 without copies into JS arrays). */
  b: Buffer;
  /** Where the message ends in the buffer (what BinaryReader's bounds check compares with). */
  end: number;
  depth: number;
}

/** One field's reader: stores its JSON text (or list/map of texts) in `vals[index]`. */
interface FieldPlan {
  readonly index: number;
  /** `"jsonName":` */
  readonly key: string;
  read: (c: Cursor, vals: unknown[], wireType: number) => void;
  /** The text to write for a stored value, undefined to leave the field out. */
  text(v: unknown): string | undefined;
}

interface CompiledMessage {
  read(c: Cursor, length: number): string;
}

export function createMessageJsonText(schema: DescMessage): MessageJsonText {
  const compiled = new Map<DescMessage, CompiledMessage>();
  const messageOf = (desc: DescMessage): CompiledMessage => compiled.get(desc) ?? compileMessage(desc, compiled, messageOf);
  const root = messageOf(schema);
  // One reader per underlying buffer (a page of messages shares one): positions are
  // absolute in it, and the reader's end is moved to each message's end.
  let ab: ArrayBufferLike | undefined;
  let abSize = -1;
  let c: Cursor | undefined;
  return (bytes) => {
    const buffer = bytes.buffer;
    if (c === undefined || buffer !== ab || buffer.byteLength !== abSize) {
      ab = buffer;
      abSize = buffer.byteLength;
      c = { r: new BinaryReader(new Uint8Array(buffer, 0, abSize)), b: Buffer.from(buffer, 0, abSize), end: 0, depth: 0 };
    }
    const start = bytes.byteOffset;
    const end = start + bytes.byteLength;
    const r = c.r as unknown as { pos: number; len: number };
    r.pos = start;
    r.len = end;
    c.end = end;
    c.depth = 0;
    try {
      const text = root.read(c, bytes.byteLength);
      // A read that ran past the end saw the next message's bytes, where protobuf-es saw none.
      return r.pos > end ? undefined : text;
    } catch {
      return undefined;
    }
  };
}

function compileMessage(desc: DescMessage, compiled: Map<DescMessage, CompiledMessage>, messageOf: (d: DescMessage) => CompiledMessage): CompiledMessage {
  const order = desc.fields.concat().sort((a, b) => a.number - b.number);
  const plans: FieldPlan[] = [];
  // Plans by field number (an array: numbers are small), undefined for unknown fields.
  const byNumber: (FieldPlan | undefined)[] = [];
  let far: Map<number, FieldPlan> | undefined; // numbers from FAR_FIELD on
  const required: number[] = [];
  const self: CompiledMessage = {
    read(c, length) {
      if (++c.depth > RECURSION_LIMIT) throw unsupported;
      const r = c.r;
      const end = r.pos + length;
      const vals: unknown[] = new Array(plans.length);
      // The range of plans that read a value: only those are looked at below.
      let low = plans.length;
      let high = -1;
      while (r.pos < end) {
        const tag = readTag(r);
        const no = tag >>> 3;
        const wt = tag & 7;
        const plan = no < byNumber.length ? byNumber[no] : far?.get(no);
        if (plan === undefined) {
          if (wt === WireType.StartGroup || wt === WireType.EndGroup) throw unsupported;
          r.skip(wt, no);
          continue;
        }
        plan.read(c, vals, wt);
        if (plan.index < low) low = plan.index;
        if (plan.index > high) high = plan.index;
      }
      for (const i of required) if (vals[i] === undefined) throw unsupported;
      c.depth--;
      let out = '{';
      for (let i = low; i <= high; i++) {
        const v = vals[i];
        if (v === undefined) continue;
        const t = plans[i]!.text(v);
        if (t === undefined) continue;
        out += out.length === 1 ? plans[i]!.key + t : `,${plans[i]!.key}${t}`;
      }
      return `${out}}`;
    },
  };
  // Registered before its fields compile, so recursive types resolve to it.
  compiled.set(desc, self);
  if (desc.typeName.startsWith('google.protobuf.')) {
    // Well-known types have their own JSON: never written here.
    self.read = () => {
      throw unsupported;
    };
    return self;
  }
  order.forEach((field, index) => {
    const plan = compileField(field, index, order, messageOf);
    // protobuf-es writes such a field through a null-prototype object: left to it.
    if (field.jsonName === '__proto__' || field.name === '__proto__') plan.read = () => {
      throw unsupported;
    };
    plans.push(plan);
    if (field.number < FAR_FIELD) byNumber[field.number] = plan;
    else (far ??= new Map()).set(field.number, plan);
    if ((field.fieldKind === 'scalar' || field.fieldKind === 'enum' || field.fieldKind === 'message') && !field.oneof && field.presence === LEGACY_REQUIRED) required.push(index);
  });
  return self;
}

const same = (v: unknown) => v as string;

function compileField(field: DescField, index: number, order: DescField[], messageOf: (d: DescMessage) => CompiledMessage): FieldPlan {
  const key = `${JSON.stringify(field.jsonName)}:`;
  switch (field.fieldKind) {
    case 'scalar':
    case 'enum':
    case 'message': {
      const value = singularValue(field, messageOf);
      if (field.oneof) {
        const siblings = field.oneof.fields.map((f) => order.indexOf(f)).filter((i) => i !== index);
        const isMessage = field.fieldKind === 'message';
        return {
          index,
          key,
          read(c, vals, wt) {
            if (isMessage && vals[index] !== undefined) throw unsupported; // merged by protobuf-es
            const text = value.read(c, wt);
            for (const s of siblings) vals[s] = undefined;
            vals[index] = text;
          },
          text: same,
        };
      }
      if (field.fieldKind === 'message') {
        return {
          index,
          key,
          read(c, vals, wt) {
            if (vals[index] !== undefined) throw unsupported; // merged by protobuf-es
            vals[index] = value.read(c, wt);
          },
          text: same,
        };
      }
      // Implicit presence: a zero value is left out (and clears an earlier non-zero one).
      const implicit = field.presence === IMPLICIT;
      return {
        index,
        key,
        read(c, vals, wt) {
          const text = value.read(c, wt);
          vals[index] = implicit && value.isZero(text, c) ? undefined : text;
        },
        text: same,
      };
    }
    case 'list': {
      const item =
        field.listKind === 'message'
          ? messageValue(field.message, field.delimitedEncoding, messageOf)
          : field.listKind === 'enum'
            ? enumValue(field.enum, true)
            : scalarValue(field.scalar, field.utf8Validation);
      const packable = field.listKind !== 'message' && !(field.listKind === 'scalar' && (field.scalar === ScalarType.STRING || field.scalar === ScalarType.BYTES));
      return {
        index,
        key,
        read(c, vals, wt) {
          let items = vals[index] as string[] | undefined;
          if (items === undefined) vals[index] = items = [];
          if (wt === WireType.LengthDelimited && packable) {
            const end = c.r.uint32() + c.r.pos;
            while (c.r.pos < end) items.push(item.read(c, item.wireType));
          } else items.push(item.read(c, wt));
        },
        text: (v) => ((v as string[]).length === 0 ? undefined : `[${(v as string[]).join(',')}]`),
      };
    }
    case 'map': {
      const keyOf = mapKey(field.mapKey, field.utf8Validation);
      const val =
        field.mapKind === 'message'
          ? messageValue(field.message, false, messageOf)
          : field.mapKind === 'enum'
            ? enumValue(field.enum, true)
            : scalarValue(field.scalar, field.utf8Validation);
      const isMessage = field.mapKind === 'message';
      const zero = isMessage ? undefined : val.zero;
      return {
        index,
        key,
        read(c, vals, wt) {
          if (wt !== WireType.LengthDelimited) throw unsupported;
          let record = vals[index] as Record<string, string> | undefined;
          if (record === undefined) vals[index] = record = {};
          const r = c.r;
          const len = r.uint32();
          const end = r.pos + len;
          let k: string | undefined;
          let v: string | undefined;
          while (r.pos < end) {
            const tag = readTag(r);
            const no = tag >>> 3;
            const t = tag & 7;
            if (no === 1) k = keyOf(c, t);
            else if (no === 2) {
              if (isMessage && v !== undefined) throw unsupported; // merged by protobuf-es
              v = val.read(c, t);
            } else {
              if (t === WireType.StartGroup || t === WireType.EndGroup) throw unsupported;
              r.skip(t, no);
            }
          }
          k ??= keyOf.zero;
          v ??= zero;
          if (v === undefined || k === '__proto__') throw unsupported;
          record[k] = v;
        },
        text(v) {
          const record = v as Record<string, string>;
          let out = '';
          for (const k of Object.keys(record)) out += `${out === '' ? '{' : ','}${JSON.stringify(k)}:${record[k]}`;
          return out === '' ? undefined : `${out}}`;
        },
      };
    }
  }
}

/** A value reader: the JSON text of one value of the expected wire type. */
interface ValueReader {
  readonly wireType: number;
  read(c: Cursor, wireType: number): string;
  /** Whether a text is the proto3 zero value (implicit presence leaves it out). */
  isZero(text: string, c: Cursor): boolean;
  /** The JSON text of the zero value (a map entry without a value). */
  readonly zero: string;
}

function singularValue(field: DescField & { fieldKind: 'scalar' | 'enum' | 'message' }, messageOf: (d: DescMessage) => CompiledMessage): ValueReader {
  if (field.fieldKind === 'message') return messageValue(field.message, field.delimitedEncoding, messageOf);
  if (field.fieldKind === 'enum') return enumValue(field.enum, false);
  return scalarValue(field.scalar, field.utf8Validation);
}

function messageValue(desc: DescMessage, delimited: boolean, messageOf: (d: DescMessage) => CompiledMessage): ValueReader {
  let compiled: CompiledMessage | undefined; // resolved on first use (the type may still be compiling)
  return {
    wireType: WireType.LengthDelimited,
    read(c, wt) {
      if (delimited || wt !== WireType.LengthDelimited) throw unsupported;
      return (compiled ??= messageOf(desc)).read(c, c.r.uint32());
    },
    isZero: () => false,
    zero: '{}',
  };
}

/** Open enums only (a closed enum keeps unknown values as unknown fields); `anyClosed` for lists and maps, which protobuf-es reads without that check. */
function enumValue(desc: DescEnum, anyClosed: boolean): ValueReader {
  const names = new Map<number, string>();
  for (const v of desc.values) names.set(v.number, JSON.stringify(v.jsonName));
  const zeroNumber = desc.values[0]!.number;
  const text = (n: number) => names.get(n) ?? String(n);
  const zero = text(zeroNumber);
  const unsupportedType = desc.typeName === 'google.protobuf.NullValue' || (!desc.open && !anyClosed);
  let last = 0;
  return {
    wireType: WireType.Varint,
    read(c, wt) {
      if (unsupportedType || wt !== WireType.Varint) throw unsupported;
      last = c.r.int32();
      return text(last);
    },
    // Called right after read: compares the number, not the name.
    isZero: () => last === zeroNumber,
    zero,
  };
}

const NON_ASCII = /[^\x00-\x7f]/;
/** Text JSON.stringify writes as it is, between quotes (printable ASCII but `"` and `\`). */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * BinaryReader.tag() without its array: the tag, after the same checks (a varint over
 * 32 bits, field number 0, wire type 6 or 7 throw).
 */
function readTag(r: BinaryReader): number {
  const start = r.pos;
  const tag = r.uint32();
  const read = r.pos - start;
  if (read > 5 || (read === 5 && (r as unknown as { buf: Uint8Array }).buf[r.pos - 1]! > 0x0f) || tag >>> 3 <= 0 || (tag & 7) > 5) throw unsupported;
  return tag;
}

function scalarValue(type: ScalarType, strict: boolean): ValueReader {
  const varint = (read: (r: BinaryReader) => string, zero: string): ValueReader => ({
    wireType: WireType.Varint,
    read(c, wt) {
      if (wt !== WireType.Varint) throw unsupported;
      return read(c.r);
    },
    isZero: (t) => t === zero,
    zero,
  });
  const fixed = (wireType: number, read: (r: BinaryReader) => string, zero: string): ValueReader => ({
    wireType,
    read(c, wt) {
      if (wt !== wireType) throw unsupported;
      return read(c.r);
    },
    isZero: (t) => t === zero,
    zero,
  });
  switch (type) {
    case ScalarType.INT32:
      return varint((r) => String(r.int32()), '0');
    case ScalarType.UINT32:
      return varint((r) => String(r.uint32()), '0');
    case ScalarType.SINT32:
      return varint((r) => String(r.sint32()), '0');
    case ScalarType.INT64:
      return varint((r) => `"${r.int64()}"`, '"0"');
    case ScalarType.UINT64:
      return varint((r) => `"${r.uint64()}"`, '"0"');
    case ScalarType.SINT64:
      return varint((r) => `"${r.sint64()}"`, '"0"');
    case ScalarType.BOOL:
      return varint((r) => (r.bool() ? 'true' : 'false'), 'false');
    case ScalarType.FIXED32:
      return fixed(WireType.Bit32, (r) => String(r.fixed32()), '0');
    case ScalarType.SFIXED32:
      return fixed(WireType.Bit32, (r) => String(r.sfixed32()), '0');
    case ScalarType.FIXED64:
      return fixed(WireType.Bit64, (r) => `"${r.fixed64()}"`, '"0"');
    case ScalarType.SFIXED64:
      return fixed(WireType.Bit64, (r) => `"${r.sfixed64()}"`, '"0"');
    case ScalarType.FLOAT:
    case ScalarType.DOUBLE: {
      const wireType = type === ScalarType.FLOAT ? WireType.Bit32 : WireType.Bit64;
      let last = 0;
      return {
        wireType,
        read(c, wt) {
          if (wt !== wireType) throw unsupported;
          last = type === ScalarType.FLOAT ? c.r.float() : c.r.double();
          return numberText(last);
        },
        // -0 is written (as 0): protobuf-es tests Object.is(value, 0).
        isZero: () => Object.is(last, 0),
        zero: '0',
      };
    }
    case ScalarType.STRING:
      return {
        wireType: WireType.LengthDelimited,
        read(c, wt) {
          if (wt !== WireType.LengthDelimited) throw unsupported;
          return readStringJson(c, strict);
        },
        isZero: (t) => t === '""',
        zero: '""',
      };
    case ScalarType.BYTES:
      return {
        wireType: WireType.LengthDelimited,
        read(c, wt) {
          if (wt !== WireType.LengthDelimited) throw unsupported;
          const len = c.r.uint32();
          const start = c.r.pos;
          c.r.pos += len;
          if (c.r.pos > c.end) throw unsupported; // BinaryReader: premature EOF
          return `"${c.b.toString('base64', start, c.r.pos)}"`;
        },
        isZero: (t) => t === '""',
        zero: '""',
      };
  }
}

/** A map key as the object key protobuf-es makes of it (String of the read value). */
function mapKey(type: ScalarType, strict: boolean): ((c: Cursor, wireType: number) => string) & { zero: string } {
  let read: (c: Cursor, wireType: number) => string;
  let zero = '0';
  const expect = (wt: number, want: number) => {
    if (wt !== want) throw unsupported;
  };
  switch (type) {
    case ScalarType.STRING:
      read = (c, wt) => (expect(wt, WireType.LengthDelimited), readString(c, strict));
      zero = '';
      break;
    case ScalarType.BOOL:
      read = (c, wt) => (expect(wt, WireType.Varint), String(c.r.bool()));
      zero = 'false';
      break;
    case ScalarType.INT32:
      read = (c, wt) => (expect(wt, WireType.Varint), String(c.r.int32()));
      break;
    case ScalarType.UINT32:
      read = (c, wt) => (expect(wt, WireType.Varint), String(c.r.uint32()));
      break;
    case ScalarType.SINT32:
      read = (c, wt) => (expect(wt, WireType.Varint), String(c.r.sint32()));
      break;
    case ScalarType.INT64:
      read = (c, wt) => (expect(wt, WireType.Varint), String(c.r.int64()));
      break;
    case ScalarType.UINT64:
      read = (c, wt) => (expect(wt, WireType.Varint), String(c.r.uint64()));
      break;
    case ScalarType.SINT64:
      read = (c, wt) => (expect(wt, WireType.Varint), String(c.r.sint64()));
      break;
    case ScalarType.FIXED32:
      read = (c, wt) => (expect(wt, WireType.Bit32), String(c.r.fixed32()));
      break;
    case ScalarType.SFIXED32:
      read = (c, wt) => (expect(wt, WireType.Bit32), String(c.r.sfixed32()));
      break;
    case ScalarType.FIXED64:
      read = (c, wt) => (expect(wt, WireType.Bit64), String(c.r.fixed64()));
      break;
    case ScalarType.SFIXED64:
      read = (c, wt) => (expect(wt, WireType.Bit64), String(c.r.sfixed64()));
      break;
    default:
      read = () => {
        throw unsupported;
      };
  }
  return Object.assign(read, { zero });
}

/** What BinaryReader.string(strict) returns (the same UTF-8 decoder), with ASCII decoded natively. */
function readString(c: Cursor, strict: boolean): string {
  const r = c.r;
  const len = r.uint32();
  const start = r.pos;
  r.pos += len;
  if (r.pos > c.end) throw unsupported; // BinaryReader: premature EOF
  const text = c.b.toString('latin1', start, r.pos);
  return NON_ASCII.test(text) ? getTextEncoding().decodeUtf8(c.b.subarray(start, r.pos), strict) : text;
}

/** JSON.stringify(readString(c, strict)), with JSON-plain ASCII quoted as it is. */
function readStringJson(c: Cursor, strict: boolean): string {
  const r = c.r;
  const len = r.uint32();
  const start = r.pos;
  r.pos += len;
  if (r.pos > c.end) throw unsupported; // BinaryReader: premature EOF
  const text = c.b.toString('latin1', start, r.pos);
  if (PLAIN.test(text)) return `"${text}"`;
  return JSON.stringify(NON_ASCII.test(text) ? getTextEncoding().decodeUtf8(c.b.subarray(start, r.pos), strict) : text);
}

/** JSON of a float or double as protobuf-es writes it (NaN and infinities as strings). */
function numberText(v: number): string {
  if (Number.isNaN(v)) return '"NaN"';
  if (v === Number.POSITIVE_INFINITY) return '"Infinity"';
  if (v === Number.NEGATIVE_INFINITY) return '"-Infinity"';
  return String(v);
}
