// `functape bench merge` through the real CLI: the merged summary, --json and --html files,
// and one-line refusals (exit 2) for files that cannot be merged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchReport } from '../src/report/bench-report.js';
import { makeSampleBenchReport } from './helpers/bench-fixture.js';
import { runMain } from './helpers/run-main.js';

function setup(t: { after: (fn: () => void) => void }): { dir: string; a: string; b: string } {
  const dir = mkdtempSync(join(tmpdir(), 'functape-merge-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, hostname: string, startedAt: string) => {
    const r = makeSampleBenchReport();
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify({ ...r, startedAt, machine: { ...r.machine, hostname } }));
    return path;
  };
  return {
    dir,
    a: write('a.json', 'load-1', '2026-01-01T00:00:00.000Z'),
    b: write('b.json', 'load-2', '2026-01-01T00:00:01.000Z'),
  };
}

test('bench merge: summary with the machines, and the merged --json and --html', async (t) => {
  const { dir, a, b } = setup(t);
  const json = join(dir, 'all.json');
  const html = join(dir, 'all.html');
  const r = await runMain(['bench', 'merge', a, b, '--json', json, '--html', html]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /machine\s+report\s+started/);
  assert.match(r.stdout, /load-1 .*a\.json .*\+0s/);
  assert.match(r.stdout, /load-2 .*b\.json .*\+1s/);
  const merged = JSON.parse(readFileSync(json, 'utf8')) as BenchReport;
  assert.equal(merged.overall.completed, 10_000);
  assert.equal(merged.timeline.length, 6, 'five seconds each, one second apart');
  assert.deepEqual(
    merged.machines?.map((m) => m.hostname),
    ['load-1', 'load-2'],
  );
  const page = readFileSync(html, 'utf8');
  assert.match(page, /<table id="machines">/);
  assert.ok(!page.includes('"hdr"'), 'the page carries no encoded histograms');
});

test('bench merge: unreadable, foreign and unmergeable files are one line, exit 2', async (t) => {
  const { dir, a, b } = setup(t);
  const foreign = join(dir, 'foreign.json');
  writeFileSync(foreign, '{"hello":1}');
  const old = join(dir, 'old.json');
  const report = JSON.parse(readFileSync(b, 'utf8')) as BenchReport;
  writeFileSync(old, JSON.stringify({ ...report, timeline: report.timeline.map(({ hdr: _, ...p }) => p) }));
  for (const [files, message] of [
    [[a, join(dir, 'missing.json')], /missing\.json: cannot read: ENOENT/],
    [[a, foreign], /foreign\.json: not a functape bench report/],
    [[a, old], /old\.json: has no per-second HDR histograms/],
    [[a, a], /the same run as/],
    [[a], /at least two reports/],
  ] as const) {
    const r = await runMain(['bench', 'merge', ...files]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
    assert.equal(r.stdout, '');
  }
});
