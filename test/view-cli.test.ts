// `functape view`'s bad input: one line on stderr, exit 2, nothing served.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMain } from './helpers/run-main.js';
import { appendSampleSession } from './helpers/view-process.js';
import { makeSampleBenchReport } from './helpers/bench-fixture.js';
import { openViewReader } from '../src/recording/view-reader.js';
import { loadViewReport } from '../src/cli/view-report.js';

test('view refuses bad flags and files with one line and exit 2', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'functape-view-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const db = join(dir, 'r.db');
  await appendSampleSession(db, 'x');
  writeFileSync(join(dir, 'bad.json'), '{"not": "a report"}');
  writeFileSync(join(dir, 'broken.json'), '{');
  const cases: [string[], RegExp][] = [
    [['view', '--db', join(dir, 'missing.db')], /missing\.db/],
    [['view', '--db', join(dir, 'bad.json')], /bad\.json/],
    [['view', '--db', db, '--listen', '0.0.0.0:0'], /not a loopback address.*--allow-remote/],
    [['view', '--db', db, '--listen', 'nope'], /--listen "nope" is not HOST:PORT/],
    [['view', '--db', db, '--session', '7'], /no session 7/],
    [
      ['view', '--db', db, '--report', join(dir, 'bad.json')],
      /neither a replay report .* nor a bench report/,
    ],
    [['view', '--db', db, '--report', join(dir, 'broken.json')], /--report .*broken\.json: /],
  ];
  for (const [argv, pattern] of cases) {
    const r = await runMain(argv);
    assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, pattern, argv.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    assert.equal(r.stdout, '', 'no URL printed');
  }
});

test('view --report: a bench report is served with its own charts page, a replay report with the recorded JSON of each differing answer', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'functape-view-report-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const db = join(dir, 'r.db');
  await appendSampleSession(db, 'x');
  const bench = join(dir, 'bench.json');
  writeFileSync(bench, JSON.stringify(makeSampleBenchReport()));
  const replay = join(dir, 'replay.json');
  const differed = {
    kind: 'invocationResponse',
    key: 'invocationResponse:i2',
    status: 'differed',
    recordedSeq: 12,
    differences: [{ path: 'invocationResponse.result.status', recorded: 'Success', live: 'Failure' }],
  };
  writeFileSync(replay, JSON.stringify({ played: 'host', session: { id: 1 }, outcomes: [differed] }));
  const reader = openViewReader(db);
  try {
    const b = await loadViewReport(bench, reader);
    assert.deepEqual(JSON.parse(b.json), { kind: 'bench' });
    assert.match(b.benchHtml ?? '', /uPlot/);
    assert.match(b.benchHtml ?? '', /HttpTrigger/);
    const r = JSON.parse((await loadViewReport(replay, reader)).json);
    assert.equal(r.kind, 'replay');
    assert.deepEqual(r.recorded['12'].invocationResponse, {
      invocationId: 'i2',
      result: { status: 'Success' },
    });
  } finally {
    reader.close();
  }
});
