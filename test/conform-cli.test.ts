// `functape conform` end to end: the reference worker passes every scenario; the table, JSON
// and JUnit say so; a failing run exits 1 and leaves a recording; usage errors exit 2 and a
// worker that cannot start exits 3.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConformReport } from '../src/report/conform-report.js';
import { openRecording } from '../src/recording/index.js';
import { FUNCTAPE, REPO, runProcess, shellJoin } from './helpers/python.js';

const worker = (...flags: string[]) => shellJoin([...FUNCTAPE, 'worker', ...flags]);
const conform = (args: string[], cwd: string) =>
  runProcess([...FUNCTAPE, 'conform', ...args], { timeoutMs: 170_000, cwd });

test('the reference worker passes every scenario: table, JSON report and JUnit agree', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'functape-conform-cli-'));
  try {
    const [json, junit] = [join(dir, 'r.json'), join(dir, 'r.xml')];
    const r = await conform(
      ['--worker', worker('--load-collection'), '--jobs', '4', '--json', json, '--junit', junit],
      dir,
    );
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const report = JSON.parse(readFileSync(json, 'utf8')) as ConformReport;
    const notPassed = report.results
      .filter((x) => x.status !== 'pass')
      .map((x) => `${x.scenario.id}: ${x.reason}`);
    assert.deepEqual(notPassed, []);
    assert.ok(report.results.length >= 30);
    assert.ok(report.capabilities.includes('SupportsLoadResponseCollection'));
    assert.match(r.stdout, /^scenario +level +result +reason$/m);
    assert.match(r.stdout, /^invoke\.one +required +pass$/m);
    assert.match(
      r.stdout,
      new RegExp(`^${report.results.length} passed, 0 failed \\(0 required\\), 0 skipped`, 'm'),
    );
    const xml = readFileSync(junit, 'utf8');
    assert.equal(xml.match(/<testcase /g)?.length, report.results.length);
    assert.doesNotMatch(xml, /<failure/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a failing required scenario: exit 1, its reason and messages in the JSON, its session recorded', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'functape-conform-cli-'));
  try {
    const json = join(dir, 'r.json');
    const rec = join(dir, 'failures');
    const r = await conform(
      [
        '--worker',
        worker('--bug', 'conform-answer-twice'),
        '--only',
        'invoke.one,startup.',
        '--json',
        json,
        '--record-failures',
        rec,
      ],
      dir,
    );
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^invoke\.one +required +fail +a second InvocationResponse arrived/m);
    const report = JSON.parse(readFileSync(json, 'utf8')) as ConformReport;
    assert.deepEqual(
      report.results.map((x) => x.scenario.id),
      [
        'startup.start-stream',
        'startup.request-id',
        'startup.init-response',
        'startup.worker-metadata',
        'invoke.one',
      ],
    );
    const failed = report.results.find((x) => x.status === 'fail')!;
    assert.equal(failed.scenario.id, 'invoke.one');
    const answers = failed.messages!.filter((m) => m.kind === 'invocationResponse');
    assert.equal(answers.length, 2, 'the JSON report holds the messages of the failed run');
    assert.equal(failed.recording, join(rec, 'invoke.one.db'));
    const recording = openRecording(failed.recording);
    try {
      const [session] = recording.sessions();
      const kinds = [...recording.frames(session!.id)].map((f) => f.kind);
      assert.equal(kinds[0], 'startStream');
      assert.equal(kinds.filter((k) => k === 'invocationResponse').length, 2);
    } finally {
      recording.close();
    }
    assert.ok(!existsSync(join(rec, 'startup.start-stream.db')), 'passing scenarios are not recorded');
    // replay host takes the failure's recording and reproduces the failure with the same worker.
    const replayed = await runProcess(
      [
        ...FUNCTAPE,
        'replay',
        'host',
        '--db',
        failed.recording,
        '--answer-timeout',
        '2s',
        '--worker',
        worker('--bug', 'conform-answer-twice'),
      ],
      { timeoutMs: 60_000, cwd: dir },
    );
    assert.equal(replayed.code, 1, replayed.stdout + replayed.stderr);
    assert.match(replayed.stdout, /unexpected invocationResponse .* a second answer with this key/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('usage errors exit 2 in one line; a worker that cannot start exits 3; --from a recording; --scenarios DIR; --list needs no worker', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'functape-conform-cli-'));
  try {
    for (const args of [
      ['--worker', 'x', '--only', 'no.such'],
      ['--worker', 'x', '--level', 'most'],
      [],
      ['--worker', 'x', '--from', 'r.db'],
      ['--worker', 'x', '--app-dir', join(dir, 'missing')],
    ]) {
      const r = await conform(args, dir);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
    const gone = await conform(
      ['--worker', join(dir, 'no-such-worker'), '--only', 'startup.,invoke.one'],
      dir,
    );
    assert.equal(gone.code, 3, gone.stdout + gone.stderr);
    assert.match(gone.stdout, /the worker cannot start: the worker exited/);
    assert.match(gone.stdout, /^invoke\.one +required +skipped +the worker cannot start$/m);
    const db = join(dir, 'golden.db');
    const imported = await runProcess(
      [...FUNCTAPE, 'import', '--db', db, '--in', join(REPO, 'fixtures/sessions/reference-mixed.ndjson')],
      { timeoutMs: 60_000, cwd: dir },
    );
    assert.equal(imported.code, 0, imported.stderr);
    const missing = await conform(['--worker', worker(), '--function', 'nosuch', '--from', db], dir);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no FunctionLoadRequest of nosuch in the recording/);
    const sampled = await conform(
      ['--worker', worker(), '--function', 'echo', '--from', db, '--only', 'invoke.one'],
      dir,
    );
    assert.equal(sampled.code, 0, sampled.stdout + sampled.stderr);
    const own = join(dir, 'own');
    mkdirSync(own);
    const scenario = {
      id: 'own.status',
      title: 'my own',
      level: 'required',
      area: 'own',
      checks: 'c',
      source: 's',
      setup: 'init',
      steps: [
        { send: { requestId: '{{id:s}}', workerStatusRequest: {} } },
        { expect: 'workerStatusResponse' },
      ],
    };
    writeFileSync(join(own, 'own.json'), JSON.stringify(scenario));
    const mine = await conform(['--worker', worker(), '--scenarios', own, '--only', 'own.'], dir);
    assert.equal(mine.code, 0, mine.stdout + mine.stderr);
    assert.match(mine.stdout, /^own\.status +required +pass$/m);
    writeFileSync(join(own, 'bad.json'), '{"id": "x"');
    const bad = await conform(['--list', '--scenarios', own], dir);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--scenarios: .*bad\.json/);
    const list = await conform(['--list', '--level', 'required'], REPO);
    assert.equal(list.code, 0);
    assert.match(list.stdout, /^robust\.unknown-member +required /m);
    assert.doesNotMatch(list.stdout, /capability|recommended/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
