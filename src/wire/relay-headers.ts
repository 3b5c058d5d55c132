import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2';
import type { Metadata, StreamStatus } from '../model/session.js';

/**
 * Header handling for the HTTP/2 relay: which headers cross it, how gRPC status is read
 * from trailers, and the statuses functape synthesises when a leg breaks (worded as
 * grpc-js words them, so a worker sees through the relay what it would see directly).
 */

/** Connection-specific headers HTTP/2 forbids forwarding (RFC 9113 §8.2.2). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'host',
  'http2-settings',
]);

/** gRPC status codes used here. */
export const GRPC_STATUS = { OK: 0, CANCELLED: 1, UNKNOWN: 2, INTERNAL: 13, UNAVAILABLE: 14 } as const;

/** Copy headers to forward: no pseudo-headers (the caller adds its own), no hop-by-hop ones. */
export function forwardableHeaders(headers: IncomingHttpHeaders, keepStatus = false): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    if (name.startsWith(':') && !(keepStatus && name === ':status')) continue;
    if (HOP_BY_HOP.has(name)) continue;
    out[name] = value;
  }
  return out;
}

/** Transport-neutral metadata: lower-case names, every value, no pseudo-headers. */
export function headersToMetadata(
  headers: IncomingHttpHeaders,
  skip: ReadonlySet<string> = new Set(),
): Metadata {
  const out: Metadata = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || name.startsWith(':') || skip.has(name)) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.map(String) : [String(value)];
  }
  return out;
}

const STATUS_HEADERS: ReadonlySet<string> = new Set(['grpc-status', 'grpc-message']);

/**
 * The gRPC status carried by response headers or trailers, or null when they carry none.
 * `grpc-message` is percent-decoded (gRPC HTTP/2 spec); other entries become metadata.
 */
export function statusFromHeaders(headers: IncomingHttpHeaders): StreamStatus | null {
  const raw = headers['grpc-status'];
  if (raw === undefined) return null;
  const code = Number(Array.isArray(raw) ? raw[0] : raw);
  const message = headers['grpc-message'];
  const status: StreamStatus = {
    code: Number.isInteger(code) ? code : GRPC_STATUS.UNKNOWN,
    details:
      message === undefined
        ? ''
        : decodeGrpcMessage(Array.isArray(message) ? message.join(',') : String(message)),
  };
  const metadata = headersToMetadata(headers, STATUS_HEADERS);
  delete metadata['content-type'];
  delete metadata.date;
  if (Object.keys(metadata).length > 0) status.metadata = metadata;
  return status;
}

export function decodeGrpcMessage(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Percent-encode as the gRPC spec asks: bytes outside printable ASCII, and `%`; also a
 * leading or trailing space, which an HTTP/2 field value may not carry.
 */
export function encodeGrpcMessage(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  let out = '';
  bytes.forEach((byte, i) => {
    const edgeSpace = byte === 0x20 && (i === 0 || i === bytes.length - 1);
    out +=
      byte >= 0x20 && byte <= 0x7e && byte !== 0x25 && !edgeSpace
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  });
  return out;
}

/** Trailers (or a trailers-only response's headers) that carry `status`. */
export function statusTrailers(status: StreamStatus): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, values] of Object.entries(status.metadata ?? {}))
    out[name] = values.length === 1 ? values[0] : values;
  out['grpc-status'] = String(status.code);
  if (status.details) out['grpc-message'] = encodeGrpcMessage(status.details);
  return out;
}
