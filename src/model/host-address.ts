/**
 * A TCP endpoint and the two facts about a host connection that wire/, peers/ and cli/
 * all need: how an address is written (IPv6 in brackets) and the message size a host
 * allows. Pure values kept beside the type, as `DIRECTIONS` is beside `Direction`.
 */

/** A TCP endpoint: where a host listens, a worker dials, a relay forwards. */
export interface HostPort {
  host: string;
  port: number;
}

/** What a real host sets for both send and receive limits, and appends as `--grpcMaxMessageLength`. */
export const HOST_MAX_MESSAGE_BYTES = 2147483647;

/** A host as a URI or an HTTP/2 authority writes it: IPv6 addresses in brackets. */
export function bracketHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** `host:port` (`[::1]:7071` for IPv6). */
export function formatHostPort(address: HostPort): string {
  return `${bracketHost(address.host)}:${address.port}`;
}
