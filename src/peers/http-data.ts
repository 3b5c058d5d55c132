import type { InvocationRequest, RpcHttp, TypedData } from './messages.js';

/** What a built-in function reads from an HTTP-triggered invocation. */
export interface HttpInput {
  method: string;
  url: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** The raw body bytes (empty when there is none). */
  body: Uint8Array;
}

const utf8 = new TextEncoder();

/** Body bytes of a TypedData as a worker sees them (string/json as UTF-8). */
export function typedDataBytes(data: TypedData | undefined): Uint8Array {
  switch (data?.data.case) {
    case 'bytes':
    case 'stream':
      return data.data.value;
    case 'string':
    case 'json':
      return utf8.encode(data.data.value);
    default:
      return new Uint8Array(0);
  }
}

/**
 * The HTTP request of an invocation: the first input binding holding `http` data.
 * The query comes from `query` (or `nullable_query` when the host used nullable maps);
 * the body from `rawBody` when present (what the RawHttpBodyBytes capability asks for), else `body`.
 */
export function readHttpInput(req: InvocationRequest): HttpInput | undefined {
  let http: RpcHttp | undefined;
  for (const binding of req.inputData) {
    if (binding.rpcData.case === 'data' && binding.rpcData.value.data.case === 'http') {
      http = binding.rpcData.value.data.value;
      break;
    }
  }
  if (!http) return undefined;
  const query: Record<string, string> = { ...http.query };
  for (const [k, v] of Object.entries(http.nullableQuery)) {
    if (v.string.case === 'value' && query[k] === undefined) query[k] = v.string.value;
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(http.headers)) headers[k.toLowerCase()] = v;
  for (const [k, v] of Object.entries(http.nullableHeaders)) {
    if (v.string.case === 'value' && headers[k.toLowerCase()] === undefined)
      headers[k.toLowerCase()] = v.string.value;
  }
  const body = http.rawBody?.data.case ? typedDataBytes(http.rawBody) : typedDataBytes(http.body);
  return { method: http.method, url: http.url, query, headers, body };
}

export interface HttpOutput {
  status: number;
  contentType: string;
  body: string | Uint8Array;
  /** Headers besides content-type. */
  headers?: Record<string, string>;
}

/** The return value of an HTTP function: TypedData.http with status, content type and body. */
export function httpReturnValue(out: HttpOutput): object {
  return {
    data: {
      case: 'http',
      value: {
        statusCode: String(out.status),
        headers: { ...out.headers, 'content-type': out.contentType },
        body:
          typeof out.body === 'string'
            ? { data: { case: 'string', value: out.body } }
            : { data: { case: 'bytes', value: out.body } },
      },
    },
  };
}
