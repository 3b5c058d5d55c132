import type { JsonValue } from '@bufbuild/protobuf';
import type { Direction } from '../model/frame.js';
import { encodeMessage, messageFromJson } from './streaming-message.js';

/**
 * Sample traffic carrying one secret of every kind the built-in redaction rules cover,
 * for tests and benchmarks of redaction (record → grep the database file). Each secret
 * is a distinct string that appears nowhere else, so finding it in stored bytes means
 * it leaked; `keep` lists non-secret strings that must survive redaction.
 */
export interface SecretSample {
  /** What kind of secret the message carries (for test names and messages). */
  what: string;
  direction: Direction;
  bytes: Uint8Array;
  secrets: string[];
  keep: string[];
}

const enc = (json: Record<string, unknown>) => encodeMessage(messageFromJson(json as JsonValue));

/** `tag` makes the secrets unique per call (e.g. per test), so runs cannot mask each other. */
export function secretSamples(tag = 'x'): SecretSample[] {
  const s = (name: string) => `${name}-${tag}-S3CR3T`;
  const request = (
    invocationId: string,
    http: Record<string, unknown>,
    extra: Record<string, unknown> = {},
  ) =>
    enc({
      invocationRequest: {
        invocationId,
        functionId: 'fn-http',
        inputData: [{ name: 'req', data: { http } }],
        ...extra,
      },
    });
  return [
    {
      what: 'environment variables of a reload request',
      direction: 'toWorker',
      bytes: enc({
        functionEnvironmentReloadRequest: {
          environmentVariables: {
            AzureWebJobsStorage: `AccountKey=${s('env')}`,
            FUNCTIONS_WORKER_RUNTIME: s('runtime'),
          },
          functionAppDirectory: '/home/site/wwwroot',
        },
      }),
      secrets: [s('env'), s('runtime')],
      keep: ['AzureWebJobsStorage', '/home/site/wwwroot'],
    },
    {
      what: 'authorization, cookie, x-functions-key, x-ms-*token*, proxy-authorization headers',
      direction: 'toWorker',
      bytes: request('inv-headers', {
        method: 'POST',
        url: 'http://localhost/api/echo',
        headers: {
          Authorization: `Bearer ${s('auth')}`,
          Cookie: `sid=${s('cookiehdr')}`,
          'x-functions-key': s('fkey'),
          'X-MS-TOKEN-AAD-ID-TOKEN': s('aad'),
          'Proxy-Authorization': `Basic ${s('proxy')}`,
          'content-type': 'application/json',
        },
        nullableHeaders: {
          authorization: { value: `Bearer ${s('nullauth')}` },
          'content-type': { value: 'application/json' },
        },
        body: { json: '{"hello":"world"}' },
      }),
      secrets: [s('auth'), s('cookiehdr'), s('fkey'), s('aad'), s('proxy'), s('nullauth')],
      keep: ['inv-headers', 'content-type', 'application/json', '{"hello":"world"}'],
    },
    {
      what: 'query parameters code/sig/key/token/access_token in query, nullable_query and url',
      direction: 'toWorker',
      bytes: request('inv-query', {
        method: 'GET',
        url: `http://localhost/api/echo?name=ann&code=${s('code')}&sig=${s('sig')}`,
        query: { name: 'ann', code: s('code'), key: s('key') },
        nullableQuery: {
          token: { value: s('token') },
          access_token: { value: s('access') },
          name: { value: 'ann' },
        },
      }),
      secrets: [s('code'), s('sig'), s('key'), s('token'), s('access')],
      keep: ['inv-query', 'name=ann', '/api/echo'],
    },
    {
      what: 'cookie values and claims',
      direction: 'toWorker',
      bytes: request(
        'inv-claims',
        {
          method: 'GET',
          url: 'http://localhost/api/echo',
          cookies: [{ name: 'session', value: s('cookie') }],
          identities: [
            { authenticationType: { value: 'aad' }, claims: [{ type: 'email', value: s('claim') }] },
          ],
        },
        {
          triggerMetadata: {
            Headers: { json: JSON.stringify({ Authorization: s('metaauth'), Host: 'localhost' }) },
          },
        },
      ),
      secrets: [s('cookie'), s('claim'), s('metaauth')],
      keep: ['inv-claims', 'session', 'email', 'localhost'],
    },
    {
      what: 'set-cookie and cookies in an HTTP response',
      direction: 'toHost',
      bytes: enc({
        invocationResponse: {
          invocationId: 'inv-claims',
          result: { status: 'Success' },
          returnValue: {
            http: {
              statusCode: '200',
              headers: { 'Set-Cookie': `sid=${s('setcookie')}`, 'x-trace': 'trace-1' },
              cookies: [{ name: 'sid', value: s('respcookie') }],
              body: { string: 'ok' },
            },
          },
        },
      }),
      secrets: [s('setcookie'), s('respcookie')],
      keep: ['inv-claims', 'trace-1'],
    },
    {
      what: 'an RpcHttp inside a log propertiesMap',
      direction: 'toHost',
      bytes: enc({
        rpcLog: {
          invocationId: 'inv-claims',
          message: 'handled',
          propertiesMap: { req: { http: { headers: { authorization: s('logauth') } } } },
        },
      }),
      secrets: [s('logauth')],
      keep: ['handled'],
    },
  ];
}
