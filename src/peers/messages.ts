import type { makeMessage, StreamingMessage } from '../codec/streaming-message.js';

/** Shapes and small builders shared by the reference worker and the scripted host. */

export type MessageInit = Parameters<typeof makeMessage>[0];
type Content = StreamingMessage['content'];
/** The message type of one StreamingMessage member, e.g. `Member<'invocationRequest'>`. */
export type Member<K extends NonNullable<Content['case']>> = Extract<Content, { case: K }>['value'];

export type InvocationRequest = Member<'invocationRequest'>;
export type InvocationResponse = Member<'invocationResponse'>;
export type RpcFunctionMetadata = Member<'functionMetadataResponse'>['functionMetadataResults'][number];
export type TypedData = NonNullable<InvocationResponse['returnValue']>;
export type RpcHttp = Extract<TypedData['data'], { case: 'http' }>['value'];
export type StatusResult = NonNullable<InvocationResponse['result']>;
export type RpcException = NonNullable<StatusResult['exception']>;

/** StatusResult.Status values (proto numbers). */
export const STATUS = { Failure: 0, Success: 1, Cancelled: 2 } as const;
export type StatusName = keyof typeof STATUS;
export const STATUS_NAME: Record<number, StatusName> = { 0: 'Failure', 1: 'Success', 2: 'Cancelled' };

/** RpcLog.Level values. */
export const LOG_LEVEL = {
  Trace: 0,
  Debug: 1,
  Information: 2,
  Warning: 3,
  Error: 4,
  Critical: 5,
  None: 6,
} as const;
/** RpcLog.RpcLogCategory values. */
export const LOG_CATEGORY = { User: 0, System: 1, CustomMetric: 2 } as const;
/** BindingInfo.Direction values. */
export const BINDING_DIRECTION = { in: 0, out: 1, inout: 2 } as const;

export type StatusResultInit = { status: number; result?: string; exception?: Partial<RpcException> };

export function success(): StatusResultInit {
  return { status: STATUS.Success };
}

export function failure(message: string, exception?: Partial<RpcException>): StatusResultInit {
  return { status: STATUS.Failure, result: message, exception: { message, ...exception } };
}

/** A StreamingMessage init with `content` set to one member. */
export function msg<K extends NonNullable<Content['case']>>(
  kind: K,
  value: object,
  requestId = '',
): MessageInit {
  return { requestId, content: { case: kind, value } } as MessageInit;
}
