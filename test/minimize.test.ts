// `functape minimize` end to end: recordings made in memory (scripted host ↔ reference
// worker), minimized against `functape worker --bug ...` processes over loopback gRPC.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openRecording } from '../src/recording/open-recording.js';
import { writeRecording } from './bench-helpers.js';
import { recordInMemory } from './replay-support.js';
import { runMain as run } from './helpers/run-main.js';

const BIN = resolve(process.cwd(), 'bin/functape');
const WORKER = `"${process.execPath}" "${BIN}" worker`;

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'functape-minimize-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The kept invocations of a minimized recording: function ids in order. */
function invocationsOf(db: string): string[] {
  const rec = openRecording(db);
  try {
    return [...rec.frames(1, { kinds: ['invocationRequest'] })].map((f) => f.functionId ?? '?');
  } finally {
    rec.close();
  }
}

test('minimize: 2,000 invocations with the state bug shrink to setup + the fail and the hello that matter', async (t) => {
  const dir = tempDir(t);
  const frames = await recordInMemory({
    functions: ['hello', 'echo', 'fail', 'log'],
    invocations: 2000,
    concurrency: 4,
    logCount: 2,
  });
  const db = join(dir, 'in.db');
  writeRecording(db, frames);
  const out = join(dir, 'min.db');
  const json = join(dir, 'min.json');
  const r = await run([
    ...['minimize', '--db', db, '--worker', `${WORKER} --bug state`, '--out', out],
    ...['--pace', 'fast', '--in-order', '--jobs', '2', '--confirm', '1', '--json', json],
  ]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.deepEqual(invocationsOf(out), ['fail', 'hello']);
  const report = JSON.parse(readFileSync(json, 'utf8'));
  assert.equal(report.oneMinimal, true);
  assert.ok(report.units.before >= 2000, `${report.units.before} units`);
  assert.equal(report.units.after, 2);
  assert.ok(report.runs <= 80, `${report.runs} runs (at most 80)`);
  assert.match(r.stdout, /1-minimal/);
  assert.match(r.stdout, /\+ "Goodbye, \w+!"/);
  // A normal recording: verify clean, labelled with its origin, and it still fails.
  const verify = await run(['verify', '--db', out]);
  assert.equal(verify.code, 0, verify.stdout);
  const sessions = await run(['sessions', '--db', out]);
  assert.match(
    sessions.stdout,
    /minimized from in\.db session 1 by functape minimize: 2 of \d+ units, 1-minimal/,
  );
  const replay = await run([
    'replay',
    'host',
    '--db',
    out,
    '--in-order',
    '--worker',
    `${WORKER} --bug state`,
  ]);
  assert.equal(replay.code, 1, replay.stdout);
  assert.match(replay.stdout, /1 differed/);
});

test('minimize: the concurrency bug (more than 2 in flight) shrinks to 3 invocations in flight', async (t) => {
  const dir = tempDir(t);
  const frames = await recordInMemory({ functions: ['sleep', 'hello'], invocations: 60, concurrency: 4 });
  const db = join(dir, 'in.db');
  writeRecording(db, frames);
  const out = join(dir, 'min.db');
  const json = join(dir, 'min.json');
  const r = await run([
    ...['minimize', '--db', db, '--worker', `${WORKER} --bug concurrency=2`, '--out', out],
    // No in-flight limit: every kept invocation is sent at once, so 3 in flight need only 3 kept
    // (with the recording's own peak, which invocations overlapped in the recording matters too).
    ...['--pace', 'fast', '--in-order', '--max-in-flight', '0', '--jobs', '2', '--json', json],
  ]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const report = JSON.parse(readFileSync(json, 'utf8'));
  assert.equal(report.units.after, 3, r.stdout);
  assert.equal(report.oneMinimal, true);
  assert.match(report.target, /broke/);
  assert.ok(report.runs <= 40, `${report.runs} runs (at most 40)`);
  assert.equal(invocationsOf(out).length, 3);
});

test('minimize refuses what it cannot use: a passing original, bad flags, an existing --out', async (t) => {
  const dir = tempDir(t);
  const frames = await recordInMemory({ functions: ['hello'], invocations: 4, concurrency: 1 });
  const db = join(dir, 'in.db');
  writeRecording(db, frames);
  const base = ['minimize', '--db', db, '--worker', WORKER, '--pace', 'fast', '--jobs', '1'];
  const passes = await run([...base, '--out', join(dir, 'a.db')]);
  assert.equal(passes.code, 2);
  assert.match(passes.stderr, /the original replay does not fail \(2 runs\): nothing to minimize/);
  for (const [extra, why] of [
    [['--until', '**', '--out', join(dir, 'b.db')], /--until/],
    [['--until', 'broke', '--same-failure', '--out', join(dir, 'b.db')], /give one/],
    [['--out', db], /exists/],
    [['--jobs', '0', '--out', join(dir, 'b.db')], /--jobs/],
  ] as const) {
    const r = await run([...base, ...extra]);
    assert.equal(r.code, 2, `${extra.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, why);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});
