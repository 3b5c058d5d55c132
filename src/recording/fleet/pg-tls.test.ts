import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { rootCertificates } from 'node:tls';
import { fleetClientConfig } from './pg-tls.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';

function withCaFile(body: (file: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'functape-pg-tls-'));
  try {
    const file = join(dir, 'extra.pem');
    writeFileSync(file, PEM);
    body(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('fleetClientConfig: without NODE_EXTRA_CA_CERTS, or without TLS, pg reads the URL itself', () => {
  const url = 'postgres://u:pw@db.example:5433/fleet?sslmode=verify-full';
  assert.deepEqual(fleetClientConfig(url, {}), { connectionString: url });
  withCaFile((file) => {
    const plain = 'postgres://u@h/db';
    assert.deepEqual(fleetClientConfig(plain, { NODE_EXTRA_CA_CERTS: file }), { connectionString: plain });
    const off = 'postgres://u@h/db?sslmode=disable';
    assert.deepEqual(fleetClientConfig(off, { NODE_EXTRA_CA_CERTS: file }), { connectionString: off });
    const disabled = fleetClientConfig(plain, { NODE_EXTRA_CA_CERTS: file, PGSSLMODE: 'disable' });
    assert.deepEqual(disabled, { connectionString: plain });
  });
});

test('fleetClientConfig: TLS that verifies against the default CAs trusts NODE_EXTRA_CA_CERTS too', () => {
  withCaFile((file) => {
    const url = 'postgres://u:pw@db.example:5433/fleet?sslmode=verify-full&application_name=ft';
    const c = fleetClientConfig(url, { NODE_EXTRA_CA_CERTS: file });
    assert.equal(c.connectionString, undefined, 'the parsed URL, with the ssl option set');
    assert.deepEqual(
      [c.host, c.port, c.user, c.password, c.database],
      ['db.example', '5433', 'u', 'pw', 'fleet'],
    );
    assert.equal((c as Record<string, unknown>).application_name, 'ft', 'other parameters pass through');
    const ssl = c.ssl as { ca: string[] };
    assert.deepEqual(ssl.ca, [...rootCertificates, PEM]);
    // PGSSLMODE when the URL has no sslmode, as pg reads it
    const env = fleetClientConfig('postgres://u@h/db', { NODE_EXTRA_CA_CERTS: file, PGSSLMODE: 'require' });
    assert.deepEqual((env.ssl as { ca: string[] }).ca.at(-1), PEM);
  });
});

test('fleetClientConfig: a URL with its own CA, or no verification, is left as it is', () => {
  withCaFile((file) => {
    const own = `postgres://u@h/db?sslmode=verify-full&sslrootcert=${encodeURIComponent(file)}`;
    assert.deepEqual(fleetClientConfig(own, { NODE_EXTRA_CA_CERTS: file }), { connectionString: own });
    const plain = 'postgres://u@h/db';
    const noVerify = fleetClientConfig(plain, { NODE_EXTRA_CA_CERTS: file, PGSSLMODE: 'no-verify' });
    assert.deepEqual(noVerify, { connectionString: plain });
  });
});

test('fleetClientConfig: an unreadable NODE_EXTRA_CA_CERTS is a warning and the default CAs, as Node does', async () => {
  const url = 'postgres://u@h/db?sslmode=verify-full';
  const warned = new Promise<Error>((resolve) => process.once('warning', resolve));
  const c = fleetClientConfig(url, { NODE_EXTRA_CA_CERTS: '/nonexistent/ca.pem' });
  assert.deepEqual(c, { connectionString: url });
  assert.match((await warned).message, /Ignoring extra certs from `\/nonexistent\/ca\.pem`, load failed/);
});
