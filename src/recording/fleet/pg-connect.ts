import pg from 'pg';
import { RecordingError } from '../recording-error.js';
import { PG_SCHEMA_VERSION, fleetVersion } from './pg-schema.js';
import { fleetClientConfig } from './pg-tls.js';

/** True for a PostgreSQL URL (`postgres://…` or `postgresql://…`), the fleet database readers accept. */
export function isPostgresUrl(target: string): boolean {
  return /^postgres(ql)?:\/\//i.test(target);
}

/** The URL as it may be printed: any password (in the user part or a `password=` parameter) replaced by `***`. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    if (u.searchParams.has('password')) u.searchParams.set('password', '***');
    return u.toString().replace('password=%2A%2A%2A', 'password=***');
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

/** A fleet database that cannot be used. Always one line, never with the password in it. */
export class FleetError extends RecordingError {
  constructor(message: string, url: string) {
    super(scrub(message, url), 'unreadable', safeUrl(url));
  }
}

/** `message` without the URL's password (nor the PGPASSWORD one), however it got in. */
export function scrub(message: string, url: string): string {
  let out = message.replace(/\s*\n\s*/g, ' ');
  const secrets = [process.env.PGPASSWORD];
  try {
    const u = new URL(url);
    secrets.push(decodeURIComponent(u.password), u.searchParams.get('password') ?? undefined);
  } catch {
    // not a URL: nothing to take from it
  }
  for (const s of secrets) if (s) out = out.split(s).join('***');
  return out;
}

/** An error from pg (or anything thrown while talking to the fleet database) as a FleetError. */
export function asFleetError(err: unknown, url: string, doing: string): FleetError {
  if (err instanceof FleetError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new FleetError(`${safeUrl(url)}: ${doing}: ${message}`, url);
}

/** How long a connection attempt may take (pg's default is to wait forever). */
const CONNECT_TIMEOUT_MS = 15_000;

/**
 * Connect to a fleet database. The URL's parameters (sslmode, host=/socket/dir, …) pass
 * through to pg; what the URL leaves out comes from the standard PG* variables; TLS trusts
 * NODE_EXTRA_CA_CERTS as Node would (fleetClientConfig).
 */
export async function connectFleet(url: string): Promise<pg.Client> {
  let client: pg.Client;
  try {
    client = new pg.Client({ ...fleetClientConfig(url), connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  } catch (err) {
    throw asFleetError(err, url, 'cannot connect');
  }
  // A connection that breaks while idle must not become an uncaught 'error' event.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => {});
    throw asFleetError(err, url, 'cannot connect');
  }
  return client;
}

/**
 * Connect, check that the database holds functape's schema (a FleetError when it holds none
 * or a newer one), run `body`, disconnect. Errors from `body` become FleetErrors (`doing`).
 */
export async function withFleet<T>(
  url: string,
  doing: string,
  body: (c: pg.Client) => Promise<T>,
): Promise<T> {
  const client = await connectFleet(url);
  try {
    const version = await fleetVersion(client).catch((e: unknown) => {
      throw asFleetError(e, url, 'reading');
    });
    if (version === 0)
      throw new FleetError(`${safeUrl(url)}: no functape sessions here yet (nothing was pushed)`, url);
    if (version > PG_SCHEMA_VERSION)
      throw new FleetError(
        `${safeUrl(url)} was written by a newer functape (schema version ${version}; this one reads up to ${PG_SCHEMA_VERSION}): upgrade functape`,
        url,
      );
    return await body(client).catch((e: unknown) => {
      if (e instanceof Error && (e.name === 'RecordingError' || e.name === 'CliError')) throw e;
      throw asFleetError(e, url, doing);
    });
  } finally {
    await client.end().catch(() => {});
  }
}
