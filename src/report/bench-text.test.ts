import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { makeSampleBenchReport } from '../../test/helpers/bench-fixture.js';
import type { BenchReport } from './bench-report.js';
import { renderBenchText, type TextStyle } from './bench-text.js';

/**
 * Golden summaries: the exact text of renderBenchText for fixed reports, so a change of its
 * shape (or a refactoring) cannot move one byte unnoticed. Regenerate (only for an intended
 * change of output) with FUNCTAPE_GOLDEN=write.
 */
function golden(name: string, text: string): void {
  const file = resolve(`fixtures/bench-text/${name}.txt`);
  if (process.env.FUNCTAPE_GOLDEN === 'write') writeFileSync(file, text);
  assert.equal(text, readFileSync(file, 'utf8'));
}

/** Marks each styled span, so the golden text also pins which parts are bold, dim, red or green. */
const TAGS: TextStyle = {
  bold: (s) => `<b>${s}</b>`,
  dim: (s) => `<d>${s}</d>`,
  red: (s) => `<r>${s}</r>`,
  green: (s) => `<g>${s}</g>`,
};

/**
 * Every optional part of the summary present: early stop, unanswered and backlog, a worker
 * without a pid, verify (more differences than are shown), machines, incidents, notes.
 */
function fullReport(): BenchReport {
  const r = makeSampleBenchReport();
  return {
    ...r,
    stopReason: 'worker-broke',
    overall: { ...r.overall, unanswered: 3, backlog: 7 },
    workers: [{ ...r.workers[0]!, pid: null, cpuUsPerInvocation: 12.5 }, r.workers[1]!],
    warmup: { sent: 20, completed: 19 },
    verify: {
      compared: 12,
      matched: 10,
      differed: 2,
      samples: [
        {
          function: 'HttpTrigger',
          differences: Array.from({ length: 6 }, (_, i) => ({
            path: `outputData[${i}]`,
            recorded: `"a${i}"`,
            actual: `"b${i}"`,
          })),
        },
      ],
    },
    machines: [
      {
        file: 'a.json',
        hostname: 'alpha',
        startedAt: '2026-01-01T00:00:00.000Z',
        offsetS: 0,
        durationMs: 5000,
        stopReason: 'done',
        load: 'closed loop, 10 in flight',
        workers: 2,
        completed: 5000,
        errors: 10,
        throughput: 1000,
        p99Us: 1234.5,
      },
      {
        file: 'b.json',
        hostname: 'beta',
        startedAt: '2026-01-01T00:00:01.000Z',
        offsetS: 1,
        durationMs: 4000,
        stopReason: 'interrupted',
        load: 'closed loop, 10 in flight',
        workers: 1,
        completed: 3000,
        errors: 0,
        throughput: 750,
        p99Us: null,
      },
    ],
    incidents: [
      { kind: 'backlog', count: 7 },
      { kind: 'stalled', silentMs: 2000, inFlight: 3 },
    ],
    notes: ['worker #1 wrote to stderr: hello'],
  };
}

test('the text summary of the sample report, byte for byte', () => {
  golden('sample', renderBenchText(makeSampleBenchReport()));
});

test('the text summary with every optional part and its styles, byte for byte', () => {
  golden('full', renderBenchText(fullReport(), TAGS));
});

test('one function named "all" gets no row of its own; a verified run without differences is green', () => {
  const r = makeSampleBenchReport();
  const one: BenchReport = {
    ...r,
    functions: [{ ...r.functions[0]!, name: 'all' }],
    verify: { compared: 3, matched: 3, differed: 0, samples: [] },
  };
  const text = renderBenchText(one, TAGS);
  assert.equal(text.match(/^ {2}all /gm)?.length, 1, text);
  assert.ok(text.includes('<g>  verify: 3 answers compared, 3 matched, 0 differed</g>\n'), text);
});
