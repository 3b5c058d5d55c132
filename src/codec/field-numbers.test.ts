import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contentField, F, KIND_BY_FIELD } from './field-numbers.js';

test('field numbers come from the schema: a few that proto/FunctionRpc.proto fixes', () => {
  const rows: Array<[string, number, number]> = [
    ['content invocationRequest', contentField('invocationRequest'), 4],
    ['content invocationResponse', contentField('invocationResponse'), 5],
    ['content rpcLog', contentField('rpcLog'), 2],
    ['content startStream', contentField('startStream'), 20],
    ['StreamingMessage.request_id', F.streamingMessage.requestId, 1],
    ['InvocationCancel.invocation_id', F.invocationCancel.invocationId, 2],
    ['StatusResult.status', F.statusResult.status, 4],
    ['RpcHttp.status_code', F.rpcHttp.statusCode, 12],
    ['TypedData.http', F.typedData.http, 5],
    ['TypedData.string', F.typedData.string, 1],
    ['TypedData.json', F.typedData.json, 2],
    ['RpcHttp.url', F.rpcHttp.url, 2],
    ['RpcHttp.nullable_headers', F.rpcHttp.nullableHeaders, 20],
    ['RpcHttp.nullable_query', F.rpcHttp.nullableQuery, 22],
    ['RpcHttpCookie.value', F.rpcHttpCookie.value, 2],
    ['RpcClaim.value', F.rpcClaim.value, 1],
    ['InvocationRequest.trigger_metadata', F.invocationRequest.triggerMetadata, 4],
  ];
  for (const [name, actual, expected] of rows) assert.equal(actual, expected, name);
  assert.equal(KIND_BY_FIELD.size, 25, 'every StreamingMessage.content member');
  assert.throws(() => contentField('noSuchKind'), /no content member noSuchKind/);
});
