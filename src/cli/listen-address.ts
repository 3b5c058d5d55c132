import { isIP } from 'node:net';
import { CliError } from './command.js';

/** A TCP endpoint as given on the command line. */
export interface HostPort {
  host: string;
  port: number;
}

/**
 * Parse `HOST:PORT` (`[::1]:7071` for IPv6). `allowZero` accepts port 0 (listen on any
 * free port). Throws CliError naming `flag` on anything else.
 */
export function parseHostPort(text: string, flag: string, allowZero = false): HostPort {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text.trim());
  if (!m) throw new CliError(`${flag} ${JSON.stringify(text)} is not HOST:PORT (e.g. 127.0.0.1:7071, [::1]:7071)`);
  const host = (m[1] ?? m[2])!;
  const port = Number(m[3]);
  if (port > 65535 || (port === 0 && !allowZero)) throw new CliError(`${flag} ${text}: port must be ${allowZero ? '0' : '1'}-65535`);
  if (m[1] !== undefined && isIP(host) !== 6) throw new CliError(`${flag} ${text}: ${host} is not an IPv6 address`);
  return { host, port };
}

/** True for addresses that only this machine can reach. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (h.startsWith('::ffff:')) return h.slice(7).startsWith('127.');
  return false;
}

/** `host:port` with IPv6 hosts bracketed. */
export function formatHostPort(address: HostPort): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
