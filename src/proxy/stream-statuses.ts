import type { StreamStatus } from '../model/session.js';

const UNAVAILABLE = 14;
const CANCELLED = 1;
const INTERNAL = 13;

/** What grpc-js reports when it cannot connect to the host (`err` as Node gives it, e.g. ECONNREFUSED). */
export function unreachableStatus(err: { name?: string; message: string }): StreamStatus {
  return {
    code: UNAVAILABLE,
    details: `No connection established. Last error: ${err.name ?? 'Error'}: ${err.message}. Resolution note: `,
  };
}

/** What grpc-js reports when the connection carrying a call drops. */
export const CONNECTION_DROPPED: StreamStatus = { code: UNAVAILABLE, details: 'Connection dropped' };

/**
 * The status a grpc-js peer derives from an RST_STREAM code (subchannel-call.ts), used to
 * record what the peer saw when a reset, not trailers, ended its call.
 */
export function statusForRstCode(code: number): StreamStatus {
  switch (code) {
    case 0x7:
      return { code: UNAVAILABLE, details: 'Stream refused by server' };
    case 0x8:
      return { code: CANCELLED, details: 'Call cancelled' };
    case 0xb:
      return { code: 8, details: 'Bandwidth exhausted or memory limit exceeded' };
    case 0xc:
      return { code: 7, details: 'Protocol not secure enough' };
    case 0x2:
      return { code: INTERNAL, details: `Received RST_STREAM with code ${code} (Internal server error)` };
    case 0x0:
      return {
        code: INTERNAL,
        details: `Received RST_STREAM with code ${code} (Call ended without gRPC status)`,
      };
    default:
      return { code: INTERNAL, details: `Received RST_STREAM with code ${code}` };
  }
}
