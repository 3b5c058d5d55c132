// --verify: every answer compared with its recorded counterpart (replay's field diff).
// The same worker matches; a worker that changed one output field gives exit 1 and the
// differing path. Progress is not drawn when stderr is not a terminal.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchReport } from '../src/report/bench-report.js';
import { functape, recordWithWrap, WORKER } from './bench-helpers.js';

let dir = '';
let db = '';
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'functape-bench-v-'));
  db = join(dir, 'rec.db');
  await recordWithWrap(db, ['hello', 'echo', 'log'], 9);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('--verify: the same worker matches every answer', { timeout: 60_000 }, async () => {
  const json = join(dir, 'same.json');
  const run = await functape([
    'bench',
    '--db',
    db,
    '--worker',
    WORKER,
    '--verify',
    '-c',
    '4',
    '-n',
    '120',
    '--json',
    json,
  ]);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.equal(run.stderr, '', 'no progress line without a terminal');
  const r = JSON.parse(readFileSync(json, 'utf8')) as BenchReport;
  assert.deepEqual(
    { compared: r.verify!.compared, differed: r.verify!.differed },
    { compared: 120, differed: 0 },
  );
  const log = r.functions.find((f) => f.name === 'log')!;
  assert.ok(
    log.rpcLogsPerInvocation >= 1,
    `RpcLogs are counted per invocation (${log.rpcLogsPerInvocation})`,
  );
  assert.match(run.stdout, /verify: 120 answers compared, 120 matched, 0 differed/);
});

test('--verify: a worker that changed an output field exits 1 and names the field', {
  timeout: 60_000,
}, async () => {
  const run = await functape([
    'bench',
    '--db',
    db,
    '--worker',
    `${WORKER} --greeting Hi`,
    '--function',
    'hello',
    '--verify',
    '-c',
    '2',
    '-n',
    '30',
  ]);
  assert.equal(run.code, 1, run.stdout + run.stderr);
  assert.match(run.stdout, /verify: 30 answers compared, 0 matched, 30 differed/);
  assert.match(run.stdout, /invocationResponse\.returnValue/);
});

test('--verify: a worker that writes its worker id into its logs still matches (the id is mapped as replay maps it)', {
  timeout: 60_000,
}, async () => {
  const real = join(dir, 'worker-id.db');
  await recordWithWrap(real, ['hello', 'log'], 6, '--log-worker-id');
  const json = join(dir, 'worker-id.json');
  const run = await functape([
    'bench',
    '--db',
    real,
    '--worker',
    `${WORKER} --log-worker-id`,
    '--verify',
    '-c',
    '2',
    '-n',
    '40',
    '--workers',
    '2',
    '--json',
    json,
  ]);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const r = JSON.parse(readFileSync(json, 'utf8')) as BenchReport;
  assert.deepEqual(
    { compared: r.verify!.compared, differed: r.verify!.differed },
    { compared: 40, differed: 0 },
  );
});
