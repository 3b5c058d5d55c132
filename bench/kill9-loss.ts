// How much a SIGKILL of `functape wrap` loses under load (docs/RELIABILITY.md, "Crashing").
// `functape host` drives `functape wrap` → `functape worker` with many invocations; after
// a warm-up the wrap process (found by its --db in /proc) is killed with SIGKILL. The loss
// is the kill time minus the wall time of the last stored message: traffic runs without a
// pause, so that gap is the stretch of traffic that never reached the file.
//   node dist/bench/kill9-loss.js [--runs 5] [--warmup-ms 3000]
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const FUNCTAPE = join(REPO, 'bin', 'functape');

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

/** The pid of the process whose command line holds `needle` (undefined if none yet). */
function findPid(needle: string, not: number | undefined): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === not) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmd.includes(needle) && cmd.includes(' wrap ')) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

async function oneRun(warmupMs: number): Promise<{ lossMs: number; stored: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'functape-kill9-'));
  const db = join(dir, 'k.db');
  const host = spawn(
    process.execPath,
    [
      FUNCTAPE,
      'host',
      '-n',
      '1000000',
      '-c',
      '16',
      '-f',
      'echo',
      '--worker',
      `${FUNCTAPE} wrap --quiet --db ${db} -- ${FUNCTAPE} worker`,
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise((r) => host.once('exit', r));
  await new Promise((r) => setTimeout(r, warmupMs));
  const pid = findPid(db, host.pid); // the host's own command line names the db too
  if (pid === undefined) throw new Error('wrap did not start');
  const killedAt = Date.now();
  process.kill(pid, 'SIGKILL');
  host.kill('SIGKILL');
  await exited;
  const d = new Database(db, { readonly: true });
  const row = d.prepare('SELECT max(wall_ms) AS last, count(*) AS n FROM frames').get() as {
    last: number;
    n: number;
  };
  d.close();
  rmSync(dir, { recursive: true, force: true });
  return { lossMs: killedAt - row.last, stored: row.n };
}

const runs = flag('runs', 5);
const warmupMs = flag('warmup-ms', 3000);
const results = [];
for (let i = 0; i < runs; i++) {
  const r = await oneRun(warmupMs);
  results.push(r);
  console.log(
    `run ${i + 1}: ${r.stored} messages stored, last one ${r.lossMs.toFixed(1)} ms before the kill`,
  );
}
const losses = results.map((r) => r.lossMs).sort((a, b) => a - b);
console.log(
  `loss: min ${losses[0]!.toFixed(1)} ms, median ${losses[Math.floor(losses.length / 2)]!.toFixed(1)} ms, max ${losses[losses.length - 1]!.toFixed(1)} ms`,
);
