import type { DescMessage } from '@bufbuild/protobuf';
import type { GenMessage } from '@bufbuild/protobuf/codegenv2';
import { DurationSchema } from '@bufbuild/protobuf/wkt';
import * as G from '../gen/FunctionRpc_pb.js';
import { RpcClaimSchema } from '../gen/identity/ClaimsIdentityRpc_pb.js';

/**
 * Field numbers for the code that reads StreamingMessage wire bytes without decoding
 * them (describe, redaction's built-in rules, the timeline, bench's answer reader, the
 * request encoder), taken from
 * the generated descriptors (`src/gen/`), never typed by hand: a schema update that
 * renumbers or renames a field changes them here or fails to compile (names are checked
 * against the generated message types) or to load (a field the schema lost throws).
 */
function numbers<M extends object, K extends Exclude<keyof M, '$typeName' | '$unknown'> & string>(
  schema: GenMessage<M & { $typeName: string }>,
  names: readonly K[],
): Readonly<Record<K, number>> {
  const out = {} as Record<K, number>;
  for (const name of names) out[name] = fieldNumber(schema, name);
  return out;
}

function fieldNumber(schema: DescMessage, localName: string): number {
  const f = schema.fields.find((x) => x.localName === localName);
  if (!f) throw new Error(`${schema.typeName} has no field ${localName}`);
  return f.number;
}

/** StreamingMessage.content members: field number → kind (the member's JSON-style name). */
export const KIND_BY_FIELD: ReadonlyMap<number, string> = new Map(
  G.StreamingMessageSchema.oneofs
    .find((o) => o.localName === 'content')!
    .fields.map((f) => [f.number, f.localName]),
);
/** StreamingMessage.content members: kind → field number. */
export const FIELD_OF_KIND: ReadonlyMap<string, number> = new Map([...KIND_BY_FIELD].map(([n, k]) => [k, n]));

/** The field of a content member, or an error for a kind the schema does not have. */
export function contentField(kind: string): number {
  const n = FIELD_OF_KIND.get(kind);
  if (n === undefined) throw new Error(`StreamingMessage has no content member ${kind}`);
  return n;
}

export const F = {
  streamingMessage: numbers(G.StreamingMessageSchema, ['requestId']),
  startStream: numbers(G.StartStreamSchema, ['workerId']),
  workerInitRequest: numbers(G.WorkerInitRequestSchema, ['hostVersion', 'capabilities']),
  workerInitResponse: numbers(G.WorkerInitResponseSchema, ['capabilities', 'result', 'workerMetadata']),
  workerMetadata: numbers(G.WorkerMetadataSchema, ['runtimeName', 'runtimeVersion']),
  workerTerminate: numbers(G.WorkerTerminateSchema, ['gracePeriod']),
  duration: numbers(DurationSchema, ['seconds']),
  statusResult: numbers(G.StatusResultSchema, ['status', 'exception']),
  rpcException: numbers(G.RpcExceptionSchema, ['message']),
  functionLoadRequest: numbers(G.FunctionLoadRequestSchema, ['functionId', 'metadata']),
  functionLoadResponse: numbers(G.FunctionLoadResponseSchema, ['functionId', 'result']),
  functionLoadRequestCollection: numbers(G.FunctionLoadRequestCollectionSchema, ['functionLoadRequests']),
  functionLoadResponseCollection: numbers(G.FunctionLoadResponseCollectionSchema, ['functionLoadResponses']),
  rpcFunctionMetadata: numbers(G.RpcFunctionMetadataSchema, ['name', 'functionId']),
  functionMetadataResponse: numbers(G.FunctionMetadataResponseSchema, ['functionMetadataResults', 'result']),
  functionEnvironmentReloadRequest: numbers(G.FunctionEnvironmentReloadRequestSchema, [
    'environmentVariables',
  ]),
  functionEnvironmentReloadResponse: numbers(G.FunctionEnvironmentReloadResponseSchema, ['result']),
  invocationRequest: numbers(G.InvocationRequestSchema, [
    'invocationId',
    'functionId',
    'inputData',
    'triggerMetadata',
  ]),
  invocationResponse: numbers(G.InvocationResponseSchema, [
    'invocationId',
    'outputData',
    'returnValue',
    'result',
  ]),
  invocationCancel: numbers(G.InvocationCancelSchema, ['invocationId']),
  parameterBinding: { data: fieldNumber(G.ParameterBindingSchema, 'data') },
  typedData: {
    http: fieldNumber(G.TypedDataSchema, 'http'),
    string: fieldNumber(G.TypedDataSchema, 'string'),
    json: fieldNumber(G.TypedDataSchema, 'json'),
  },
  rpcHttp: numbers(G.RpcHttpSchema, [
    'method',
    'url',
    'statusCode',
    'headers',
    'nullableHeaders',
    'query',
    'nullableQuery',
  ]),
  rpcHttpCookie: numbers(G.RpcHttpCookieSchema, ['value']),
  rpcClaim: numbers(RpcClaimSchema, ['value']),
  rpcLog: numbers(G.RpcLogSchema, ['invocationId', 'level', 'message']),
} as const;
