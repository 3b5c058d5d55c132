import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** A throwaway PostgreSQL server: its own data directory and a unix socket in a private directory. */
export interface PgServer {
  /** postgres://functape:PASSWORD@localhost/functape?host=SOCKETDIR */
  readonly url: string;
  readonly password: string;
  /** Another database on the same server, created empty. */
  database(name: string): string;
  stop(): void;
}

/** The newest Debian PostgreSQL's binaries (scripts/install-test-deps.sh installs them). */
export function pgBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], 'bin');
}

/**
 * initdb and postgres refuse to run as root: as root they run as the `postgres` user the
 * Debian package creates, in a directory it owns; otherwise as the current user.
 */
function runner(): { run(cmd: string, args: string[]): string; chown(path: string): void } {
  const root = process.getuid?.() === 0;
  const ids = root
    ? {
        uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()),
        gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()),
      }
    : undefined;
  return {
    run: (cmd, args) =>
      root
        ? execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { encoding: 'utf8', stdio: 'pipe' })
        : execFileSync(cmd, args, { encoding: 'utf8', stdio: 'pipe' }),
    chown: (path) => {
      if (ids) chownSync(path, ids.uid, ids.gid);
    },
  };
}

/**
 * Start a server for one test file: initdb in a temporary directory (password auth, so that
 * tests can check the password never shows), no TCP port (listen_addresses ''), the socket in
 * that private directory. `stop` shuts it down and removes everything.
 */
export function startPgServer(): PgServer {
  const bin = pgBinDir();
  if (!bin) throw new Error('PostgreSQL is not installed: run scripts/install-test-deps.sh');
  const as = runner();
  const dir = mkdtempSync(join(tmpdir(), 'functape-pg-'));
  chmodSync(dir, 0o700);
  as.chown(dir);
  const password = `pw-${randomBytes(9).toString('hex')}`;
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  as.chown(pwfile);
  const data = join(dir, 'data');
  const url = (db: string) =>
    `postgres://functape:${password}@localhost/${db}?host=${encodeURIComponent(dir)}`;
  let running = false;
  const stop = () => {
    if (running) {
      running = false;
      try {
        as.run(join(bin, 'pg_ctl'), ['stop', '-D', data, '-m', 'immediate', '-w']);
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    as.run(join(bin, 'initdb'), [
      '-D',
      data,
      '-U',
      'functape',
      '--pwfile',
      pwfile,
      '--auth',
      'scram-sha-256',
      '-E',
      'UTF8',
      '--no-sync',
      '--no-instructions',
    ]);
    const options = [
      `-k ${dir}`,
      "-c listen_addresses=''",
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c max_connections=60',
    ].join(' ');
    as.run(join(bin, 'pg_ctl'), ['start', '-D', data, '-w', '-l', join(dir, 'log'), '-o', options]);
    running = true;
    execFileSync(join(bin, 'psql'), [url('postgres'), '-qc', 'CREATE DATABASE functape'], { stdio: 'pipe' });
  } catch (err) {
    stop();
    throw err;
  }
  const psql = join(bin, 'psql');
  process.once('exit', stop);
  return {
    url: url('functape'),
    password,
    database(name) {
      execFileSync(psql, [url('functape'), '-qc', `CREATE DATABASE "${name}"`], { stdio: 'pipe' });
      return url(name);
    },
    stop() {
      process.removeListener('exit', stop);
      stop();
    },
  };
}
