import { isIP } from 'node:net';
import type { Argv } from 'yargs';
import type { HostPort } from '../model/host-address.js';
import { CliError, type CliIo } from './command.js';

export { formatHostPort, type HostPort } from '../model/host-address.js';

/**
 * Parse `HOST:PORT` (`[::1]:7071` for IPv6). `allowZero` accepts port 0 (listen on any
 * free port). Throws CliError naming `flag` on anything else.
 */
export function parseHostPort(text: string, flag: string, allowZero = false): HostPort {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text.trim());
  if (!m)
    throw new CliError(`${flag} ${JSON.stringify(text)} is not HOST:PORT (e.g. 127.0.0.1:7071, [::1]:7071)`);
  const host = (m[1] ?? m[2])!;
  const port = Number(m[3]);
  if (port > 65535 || (port === 0 && !allowZero))
    throw new CliError(`${flag} ${text}: port must be ${allowZero ? '0' : '1'}-65535`);
  if (m[1] !== undefined && isIP(host) !== 6)
    throw new CliError(`${flag} ${text}: ${host} is not an IPv6 address`);
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

/** `--allow-remote`, declared here once for every command that takes a `--listen` address. */
export function allowRemoteFlag<T>(y: Argv<T>) {
  return y.option('allow-remote', {
    type: 'boolean',
    default: false,
    describe: 'allow --listen on a non-loopback address (the stream carries secrets: think twice)',
  });
}

/**
 * The one rule for every command that listens (record, replay host, and any to come):
 * `--listen` must be a loopback address unless `--allow-remote` is given, which then
 * costs one warning line. Throws CliError (exit 2) for a bad or refused address.
 */
export function listenAddress(
  text: string,
  allowRemote: boolean,
  command: string,
  io: Pick<CliIo, 'stderr'>,
): HostPort {
  const address = parseHostPort(text, '--listen', true);
  if (isLoopback(address.host)) return address;
  if (!allowRemote)
    throw new CliError(
      `--listen ${text} is not a loopback address; add --allow-remote to accept workers from other machines`,
    );
  io.stderr.write(
    `functape ${command}: warning: listening on ${text}: any machine that can reach it can connect, and the stream carries secrets\n`,
  );
  return address;
}
