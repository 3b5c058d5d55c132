/**
 * The connection arguments a Functions host appends to a worker's command line
 * (PROTOCOL.md "How a host starts a worker"), in both forms:
 *
 *   --host H --port P --workerId W --requestId R --grpcMaxMessageLength N
 *   --functions-uri http://H:P/ --functions-worker-id W --functions-request-id R
 *   --functions-grpc-max-message-length N
 *
 * Pure: no I/O. Flags are recognised anywhere in an argv array, as
 * `--flag value` or `--flag=value`. When both forms are present the `--functions-*`
 * form wins (it is what modern workers read) and a disagreement is reported in
 * `warnings`, never silently.
 */

import { HOST_MAX_MESSAGE_BYTES, formatHostPort } from '../model/host-address.js';

/** Where the worker must connect and who it is. */
export interface HostArgs {
  host: string;
  port: number;
  workerId: string;
  requestId: string;
  /** grpcMaxMessageLength; absent when neither form gave it. */
  maxMessageLength?: number;
}

export interface ParsedHostArgs extends HostArgs {
  /** Which forms were present (at least one flag of each). */
  forms: { short: boolean; functions: boolean };
  /** Disagreements between the two forms (the `--functions-*` value was taken). */
  warnings: string[];
}

export type HostArgsResult = { ok: true; args: ParsedHostArgs } | { ok: false; error: string; none: boolean };

const SHORT = ['host', 'port', 'workerId', 'requestId', 'grpcMaxMessageLength'] as const;
const LONG = [
  'functions-uri',
  'functions-worker-id',
  'functions-request-id',
  'functions-grpc-max-message-length',
] as const;
/** Every host connection flag, both forms: the one list a command that takes them declares. */
export const HOST_ARG_FLAGS = [...SHORT, ...LONG] as const;
export type HostArgFlag = (typeof HOST_ARG_FLAGS)[number];
type Flag = HostArgFlag;
const FLAGS: ReadonlySet<string> = new Set<string>(HOST_ARG_FLAGS);

/** One occurrence of a host flag in an argv array. */
interface Hit {
  flag: Flag;
  value: string | undefined;
  /** Index of the flag token. */
  index: number;
  /** True for `--flag=value` (one token), false for `--flag value` (two tokens). */
  inline: boolean;
}

function scan(argv: readonly string[]): Hit[] {
  const hits: Hit[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (!token.startsWith('--')) continue;
    const eq = token.indexOf('=');
    const name = token.slice(2, eq < 0 ? undefined : eq);
    if (!FLAGS.has(name)) continue;
    if (eq >= 0) {
      hits.push({ flag: name as Flag, value: token.slice(eq + 1), index: i, inline: true });
    } else {
      hits.push({ flag: name as Flag, value: argv[i + 1], index: i, inline: false });
      i++;
    }
  }
  return hits;
}

/** Split `http://H:P/` (IPv6 as `[::1]`) into host and port; undefined when malformed. */
export function parseFunctionsUri(uri: string): { host: string; port: number } | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/(\[[^\]]+\]|[^:/?#]+):(\d+)(?:[/?#].*)?$/i.exec(uri);
  if (!m) return undefined;
  const port = Number(m[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  const host = m[1]!.startsWith('[') ? m[1]!.slice(1, -1) : m[1]!;
  return { host, port };
}

function parsePort(text: string): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : undefined;
}

/**
 * Find the host connection arguments anywhere in `argv`. `none` is true when no host
 * flag at all was present (the caller was not started by a host).
 */
export function parseHostArgs(argv: readonly string[]): HostArgsResult {
  const hits = scan(argv);
  if (hits.length === 0) {
    return {
      ok: false,
      none: true,
      error: 'no host arguments (--functions-uri ... or --host/--port/--workerId/--requestId)',
    };
  }
  const last = new Map<Flag, string>();
  for (const hit of hits) {
    if (hit.value === undefined) return { ok: false, none: false, error: `--${hit.flag} needs a value` };
    last.set(hit.flag, hit.value);
  }
  const forms = {
    short: SHORT.some((f) => last.has(f)),
    functions: LONG.some((f) => last.has(f)),
  };
  const warnings: string[] = [];
  const pick = (long: string | undefined, longName: string, short: string | undefined, shortName: string) => {
    if (long !== undefined && short !== undefined && long !== short) {
      warnings.push(`${longName} ${long} disagrees with ${shortName} ${short}; using ${long}`);
    }
    return long ?? short;
  };

  let uriHost: string | undefined;
  let uriPort: number | undefined;
  const uri = last.get('functions-uri');
  if (uri !== undefined) {
    const parsed = parseFunctionsUri(uri);
    if (!parsed) return { ok: false, none: false, error: `--functions-uri ${uri} is not http://HOST:PORT/` };
    uriHost = parsed.host;
    uriPort = parsed.port;
  }
  let shortPort: number | undefined;
  const portText = last.get('port');
  if (portText !== undefined) {
    shortPort = parsePort(portText);
    if (shortPort === undefined)
      return { ok: false, none: false, error: `--port ${portText} is not a port number` };
  }
  const host = pick(uriHost, 'the --functions-uri host', last.get('host'), '--host');
  const portPicked = pick(uriPort?.toString(), 'the --functions-uri port', shortPort?.toString(), '--port');
  const workerId = pick(
    last.get('functions-worker-id'),
    '--functions-worker-id',
    last.get('workerId'),
    '--workerId',
  );
  const requestId = pick(
    last.get('functions-request-id'),
    '--functions-request-id',
    last.get('requestId'),
    '--requestId',
  );
  const maxText = pick(
    last.get('functions-grpc-max-message-length'),
    '--functions-grpc-max-message-length',
    last.get('grpcMaxMessageLength'),
    '--grpcMaxMessageLength',
  );

  const missing: string[] = [];
  if (host === undefined) missing.push('host (--functions-uri or --host)');
  if (portPicked === undefined) missing.push('port (--functions-uri or --port)');
  if (workerId === undefined) missing.push('worker id (--functions-worker-id or --workerId)');
  if (requestId === undefined) missing.push('request id (--functions-request-id or --requestId)');
  if (missing.length > 0)
    return { ok: false, none: false, error: `incomplete host arguments: missing ${missing.join(', ')}` };

  let maxMessageLength: number | undefined;
  if (maxText !== undefined) {
    if (!/^\d+$/.test(maxText))
      return { ok: false, none: false, error: `grpc max message length ${maxText} is not a number` };
    maxMessageLength = Number(maxText);
  }
  const args: ParsedHostArgs = {
    host: host!,
    port: Number(portPicked),
    workerId: workerId!,
    requestId: requestId!,
    forms,
    warnings,
  };
  if (maxMessageLength !== undefined) args.maxMessageLength = maxMessageLength;
  return { ok: true, args };
}

/** `http://H:P/` as a host writes it. */
export function formatFunctionsUri(host: string, port: number): string {
  return `http://${formatHostPort({ host, port })}/`;
}

/** Both forms, in the order a host appends them. maxMessageLength defaults to HOST_MAX_MESSAGE_BYTES. */
export function buildHostArgs(args: HostArgs): string[] {
  const max = String(args.maxMessageLength ?? HOST_MAX_MESSAGE_BYTES);
  return [
    '--host',
    args.host,
    '--port',
    String(args.port),
    '--workerId',
    args.workerId,
    '--requestId',
    args.requestId,
    '--grpcMaxMessageLength',
    max,
    '--functions-uri',
    formatFunctionsUri(args.host, args.port),
    '--functions-worker-id',
    args.workerId,
    '--functions-request-id',
    args.requestId,
    '--functions-grpc-max-message-length',
    max,
  ];
}

/**
 * Point the host arguments in `argv` at another address: the values of `--host`,
 * `--port` and `--functions-uri` (keeping its scheme and path) change; every other
 * token, and the token layout (`--flag value` vs `--flag=value`), stays as it was.
 * A new array is returned; `argv` is not modified.
 */
export function rewriteHostAddress(
  argv: readonly string[],
  address: { host: string; port: number },
): string[] {
  const out = argv.slice();
  for (const hit of scan(argv)) {
    let value: string | undefined;
    if (hit.flag === 'host') value = address.host;
    else if (hit.flag === 'port') value = String(address.port);
    else if (hit.flag === 'functions-uri' && hit.value !== undefined) value = rewriteUri(hit.value, address);
    if (value === undefined) continue;
    if (hit.inline) out[hit.index] = `--${hit.flag}=${value}`;
    else if (hit.index + 1 < out.length) out[hit.index + 1] = value;
  }
  return out;
}

function rewriteUri(uri: string, address: { host: string; port: number }): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)(\[[^\]]+\]|[^:/?#]+)(?::\d+)?(.*)$/i.exec(uri);
  if (!m) return formatFunctionsUri(address.host, address.port);
  return `${m[1]}${formatHostPort(address)}${m[3]}`;
}
