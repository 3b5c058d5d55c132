// `npm run bench [-- --quick] [--only 1,2] [--runs N] [--docs|--no-docs] [--render FILE]`: every benchmark of
// issue 5 against its baseline in the same run; writes bench/results/<timestamp>.json and
// (after a full run of everything, or with --docs) the table in docs/PERFORMANCE.md.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import type { Benchmark, BenchContext, BenchResult } from './lib/benchmark.js';
import { summarizeMetric } from './lib/benchmark.js';
import { startLoadAgent, type LoadAgent } from './lib/load-agent-client.js';
import { describeMachine } from './lib/machine.js';
import { REPO } from './lib/proc.js';
import { renderTable, renderText, spliceTable } from './lib/render.js';
import { renderSummary, spliceBetween, SUMMARY_END, SUMMARY_START } from './lib/summary.js';
import { ALL_BENCHMARKS } from './all.js';

const { values } = parseArgs({
  options: {
    /** Regenerate docs/PERFORMANCE.md from a results file instead of running anything. */
    render: { type: 'string' },
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    runs: { type: 'string' },
    docs: { type: 'boolean' },
    'no-docs': { type: 'boolean', default: false },
  },
});

if (values.render !== undefined) {
  const saved = JSON.parse(readFileSync(values.render, 'utf8'));
  const date = `${String(saved.startedAt).slice(0, 16).replace('T', ' ')} UTC`;
  const docPath = join(REPO, 'docs', 'PERFORMANCE.md');
  let doc = readFileSync(docPath, 'utf8');
  doc = spliceTable(
    doc,
    renderTable(saved.benchmarks, saved.machine, {
      date,
      quick: saved.quick,
      runs: saved.runsPerSide,
      file: relative(REPO, values.render),
    }),
  );
  if (!saved.only)
    doc = spliceBetween(doc, SUMMARY_START, SUMMARY_END, renderSummary(saved.benchmarks, date));
  writeFileSync(docPath, doc);
  process.stdout.write(`docs/PERFORMANCE.md regenerated from ${relative(REPO, values.render)}\n`);
  process.exit(0);
}

const quick = values.quick!;
const runs = values.runs ? Number(values.runs) : quick ? 2 : 5;
const only = values.only ? new Set(values.only.split(',').map((s) => Number(s.trim()))) : undefined;
if (only && [...only].some((n) => !ALL_BENCHMARKS.some((b) => b.id === n))) {
  process.stderr.write(
    `bench: --only takes benchmark numbers among ${ALL_BENCHMARKS.map((b) => b.id).join(',')}\n`,
  );
  process.exit(2);
}
const selected: Benchmark[] = ALL_BENCHMARKS.filter((b) => !only || only.has(b.id));
const writeDocs = values.docs ?? (!quick && !only && !values['no-docs'] && !values.runs);

const tmp = mkdtempSync(join(tmpdir(), 'functape-bench-'));
let agent: LoadAgent | undefined;
const ctx: BenchContext = {
  quick,
  runs,
  tmp,
  log: (m) => process.stderr.write(`${m}\n`),
  agent: async () => (agent ??= await startLoadAgent()),
  completeness: [],
};

const machine = describeMachine(REPO);
const started = new Date();
process.stderr.write(
  `functape bench: ${selected.map((b) => b.id).join(', ')}; ${quick ? 'quick' : 'full'}, ${runs} runs per side; ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}\n`,
);
const results: BenchResult[] = [];
try {
  for (const b of selected) {
    process.stderr.write(`\n[${b.id}] ${b.title}\n`);
    const t0 = performance.now();
    let r: BenchResult;
    try {
      r = await b.run(ctx);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      process.stderr.write(`  failed: ${message}\n`);
      r = { id: b.id, title: b.title, metrics: [], runs: [], notes: [], error: message };
    }
    r.seconds = (performance.now() - t0) / 1000;
    results.push(r);
  }
} finally {
  await agent?.close();
  rmSync(tmp, { recursive: true, force: true });
}

const finished = new Date();
const stamp = started
  .toISOString()
  .replace(/[:]/g, '-')
  .replace(/\.\d+Z$/, 'Z');
const resultsDir = join(REPO, 'bench', 'results');
mkdirSync(resultsDir, { recursive: true });
const file = join(resultsDir, `${stamp}${quick ? '-quick' : ''}.json`);
const payload = {
  startedAt: started.toISOString(),
  finishedAt: finished.toISOString(),
  seconds: (finished.getTime() - started.getTime()) / 1000,
  quick,
  runsPerSide: runs,
  only: only ? [...only] : null,
  machine,
  /** Load average when the run ended (the machine's own load is in `machine.loadAverage`, at the start). */
  loadAverageAtEnd: loadavg().map((v) => Math.round(v * 100) / 100),
  benchmarks: results.map((r) => ({
    ...r,
    summary: r.metrics.map((m) => ({ key: m.key, ...summarizeMetric(m) })),
  })),
};
writeFileSync(file, `${JSON.stringify(payload, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
process.stdout.write(
  `${renderText(results)}\n\nresults: ${relative(REPO, file)} (${payload.seconds.toFixed(0)} s)\n`,
);
if (writeDocs) {
  const docPath = join(REPO, 'docs', 'PERFORMANCE.md');
  let doc = '';
  try {
    doc = readFileSync(docPath, 'utf8');
  } catch {
    doc = '# Performance\n';
  }
  const date = `${started.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const table = renderTable(results, machine, { date, quick, runs, file: relative(REPO, file) });
  doc = spliceTable(doc, table);
  if (!only) doc = spliceBetween(doc, SUMMARY_START, SUMMARY_END, renderSummary(results, date));
  writeFileSync(docPath, doc);
  process.stdout.write(`table regenerated in docs/PERFORMANCE.md\n`);
}
