// --workers K starts K real processes and spreads the load over their streams; the
// processes are gone afterwards. Bad input exits 2; a worker that cannot start or dies
// mid-run exits 3.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../src/cli/main.js';
import type { BenchReport } from '../src/report/bench-report.js';
import { BIN, functape, recordWithWrap, WORKER } from './bench-helpers.js';

let dir = '';
let db = '';
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'functape-bench-w-'));
  db = join(dir, 'rec.db');
  await recordWithWrap(db, ['noop', 'hello'], 8);
});
after(() => rmSync(dir, { recursive: true, force: true }));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('--workers 3 starts three processes and spreads invocations across them', {
  timeout: 60_000,
}, async () => {
  const json = join(dir, 'w3.json');
  const run = await functape([
    'bench',
    '--db',
    db,
    '--worker',
    WORKER,
    '--workers',
    '3',
    '-c',
    '6',
    '-n',
    '300',
    '--json',
    json,
  ]);
  assert.equal(run.code, 0, run.stderr);
  const r = JSON.parse(readFileSync(json, 'utf8')) as BenchReport;
  assert.equal(r.workers.length, 3);
  const pids = r.workers.map((w) => w.pid);
  assert.equal(new Set(pids).size, 3, `three distinct processes: ${pids}`);
  assert.equal(new Set(r.workers.map((w) => w.workerId)).size, 3, 'three worker ids');
  for (const w of r.workers)
    assert.ok(w.completed >= 30, `worker #${w.index + 1} took a share (${w.completed} of 300)`);
  assert.equal(
    r.workers.reduce((a, w) => a + w.completed, 0),
    300,
  );
  assert.equal(r.overall.completed, 300);
  for (const pid of pids) assert.ok(!alive(pid!), `worker ${pid} is gone after the run`);
});

test('bad input exits 2 with one line', { timeout: 60_000 }, async () => {
  const notDb = join(dir, 'not.db');
  writeFileSync(notDb, 'hello, not sqlite\n');
  const cases: Array<[string[], RegExp]> = [
    [['--db', join(dir, 'missing.db')], /missing\.db/],
    [['--db', notDb], /not\.db/],
    [['--db', db, '--session', '99'], /no session 99/],
    [['--db', db, '--function', 'nosuch'], /no recorded invocations of "nosuch".*hello, noop/],
    [['--db', db, '--stages', '10s'], /bad stage/],
    [['--db', db, '--duration', '1s', '-n', '5'], /either --duration or --invocations/],
    [['--db', db, '--compare', notDb], /--compare/],
    [['--db', db, '--workers', '0'], /--workers/],
    [['--db', db, '--cwd', join(dir, 'no-such-dir')], /--cwd .* is not a directory/],
    [['--db', db, '--json', join(dir, 'no-such-dir', 'r.json')], /--json .*: no such directory/],
    [['--db', db, '--html', dir], /--html .* is a directory/],
    [['--db', db, '--verify', '--ignore', '**'], /--ignore "\*\*" would ignore every message whole/],
    [['--db', db, '--verify', '--ignore', ''], /empty --ignore/],
  ];
  cases.push([['--db', db, '--worker', 'x'], /give --worker once/]);
  cases.push([['unterminated', '--db', db], /unterminated/]);
  for (const [args, re] of cases) {
    // In-process (the same main() bin/functape runs): these fail before any worker starts.
    let stdout = '';
    let stderr = '';
    const io = {
      stdout: new Writable({
        write: (c, _e, cb) => {
          stdout += String(c);
          cb();
        },
      }),
      stderr: new Writable({
        write: (c, _e, cb) => {
          stderr += String(c);
          cb();
        },
      }),
      signal: new AbortController().signal,
    };
    const code = await main(
      [
        'bench',
        '--worker',
        args[0] === 'unterminated' ? "node 'unterminated" : WORKER,
        ...args.slice(args[0] === 'unterminated' ? 1 : 0),
      ],
      io,
    );
    assert.equal(code, 2, `${args.join(' ')} → ${code}: ${stderr}`);
    assert.match(stderr, re);
    assert.equal(stderr.trim().split('\n').length, 1, `one line: ${stderr}`);
    assert.equal(stdout, '');
  }
});

test('a worker that cannot start, or dies mid-run, exits 3', { timeout: 60_000 }, async () => {
  const none = await functape(['bench', '--db', db, '--worker', '/bin/false', '-n', '10']);
  assert.equal(none.code, 3, none.stderr);
  assert.match(none.stderr, /worker #1 exited/);
  // A Node.js app that is not there: its error line is shown, not just `} | Node.js v20`.
  const missing = await functape([
    'bench',
    '--db',
    db,
    '--worker',
    `${process.execPath} ${join(dir, 'no-such-app.js')}`,
    '-n',
    '10',
  ]);
  assert.equal(missing.code, 3, missing.stderr);
  assert.match(missing.stderr, /its stderr ends with: Error: Cannot find module '.*no-such-app\.js'/);
  assert.equal(missing.stderr.trim().split('\n').length, 1, missing.stderr);
  // A recording whose second invocation is the reference worker's `crash` (it kills the
  // worker process): set up fine, then the worker dies mid-run, deterministically.
  const crashDb = join(dir, 'crash.db');
  const rec = await functape([
    'host',
    '--worker',
    `${process.execPath} ${BIN} wrap --db ${crashDb} -- ${WORKER}`,
    '-n',
    '4',
    '-f',
    'noop,crash',
  ]);
  assert.equal(rec.code, 3, 'the recorded host saw its worker die too');
  const json = join(dir, 'broke.json');
  const broke = await functape([
    'bench',
    '--db',
    crashDb,
    '--worker',
    WORKER,
    '-c',
    '2',
    '-d',
    '20s',
    '--json',
    json,
  ]);
  assert.equal(broke.code, 3, broke.stdout + broke.stderr);
  const r = JSON.parse(readFileSync(json, 'utf8')) as BenchReport;
  assert.equal(r.stopReason, 'worker-broke');
  assert.ok(r.overall.unanswered >= 1, 'the crashing invocation is unanswered');
  assert.ok(
    (r.incidents ?? []).some((i) => i.kind === 'worker-ended'),
    JSON.stringify(r.incidents),
  );
  assert.match(broke.stdout, /note: worker #1 \(.*\) ended its stream/);
  assert.match(broke.stdout, /stopped early: worker-broke/);
});
