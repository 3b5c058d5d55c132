import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import type pg from 'pg';
import { parse } from 'pg-connection-string';

/** pg's `ssl` option as its connection string (or else PGSSLMODE, as pg reads it) sets it. */
type Ssl = pg.ClientConfig['ssl'];

/** What pg does with PGSSLMODE when the URL has no sslmode (pg/lib/connection-parameters.js). */
function sslFromEnvironment(mode: string | undefined): Ssl {
  if (mode === 'prefer' || mode === 'require' || mode === 'verify-ca' || mode === 'verify-full') return true;
  if (mode === 'no-verify') return { rejectUnauthorized: false };
  return undefined;
}

/**
 * The pg client options for `url`: what pg would make of the URL itself, except that a TLS
 * connection which verifies the server against the default CAs also trusts the certificates
 * of NODE_EXTRA_CA_CERTS. bin/functape starts Node with that variable emptied (Node would
 * parse the whole file at every start, ~70 ms) and puts it back in the environment, so this
 * is where it is read: the same trust as Node gives (the default CAs plus the file's), and
 * the same in a process that did load it at start (`node bin/functape`, the library).
 * A URL that names its own CA (sslrootcert), no TLS, or no verification: the URL as it is.
 * A file that cannot be read is a warning and the default CAs, as Node does at start.
 */
export function fleetClientConfig(url: string, env: NodeJS.ProcessEnv = process.env): pg.ClientConfig {
  const file = env.NODE_EXTRA_CA_CERTS;
  if (!file) return { connectionString: url };
  const options = parse(url);
  const ssl = (options.ssl as Ssl) ?? sslFromEnvironment(env.PGSSLMODE);
  if (!ssl) return { connectionString: url };
  const own = typeof ssl === 'object' ? ssl : {};
  if (own.ca !== undefined || own.rejectUnauthorized === false) return { connectionString: url };
  let extra: string;
  try {
    extra = readFileSync(file, 'utf8');
  } catch (err) {
    process.emitWarning(`Ignoring extra certs from \`${file}\`, load failed: ${(err as Error).message}`);
    return { connectionString: url };
  }
  return { ...(options as pg.ClientConfig), ssl: { ...own, ca: [...rootCertificates, extra] } };
}
