import type { BenchReport, Figures } from './bench-report.js';
import { describeSource, formatNumber, formatPercent, formatUs, machineRows } from './bench-format.js';
import { incidentText } from './bench-incidents.js';
import type { ChartAssets } from './uplot-assets.js';

/**
 * A self-contained HTML page for a bench report: a summary table, the latency
 * percentile plot, the latency histogram, and throughput and latency over time. The
 * chart library and the report data are inlined: the file needs no network.
 */
export function renderBenchHtml(r: BenchReport, assets: ChartAssets): string {
  const notes = [...(r.incidents ?? []).map(incidentText), ...r.notes];
  const title = `functape bench — ${r.load.description}`;
  const data = JSON.stringify({
    overall: pick(r.overall),
    functions: r.functions.length > 1 ? r.functions.map((f) => ({ name: f.name, ...pick(f) })) : [],
    timeline: r.timeline.map(({ hdr: _, ...point }) => point),
  }).replace(/</g, '\\u003c');
  const rows = [
    ['all', r.overall] as const,
    ...(r.functions.length > 1 ? r.functions.map((f) => [f.name, f] as const) : []),
  ];
  const g = r.generator;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${assets.css}</style>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;background:#fff}
h1{font-size:20px;margin:0 0 4px} h2{font-size:16px;margin:24px 0 8px}
.meta{color:#666;margin:2px 0} table{border-collapse:collapse;margin:8px 0}
td,th{padding:3px 10px;border-bottom:1px solid #ddd;text-align:right} td:first-child,th:first-child{text-align:left}
.bad{color:#b00} .charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:16px}
.chart{border:1px solid #eee;padding:8px}
</style></head>
<body>
<h1>${esc(title)}</h1>
<p class="meta">${esc(r.startedAt)} · session ${r.source.sessionId} of ${esc(r.source.db)} (${esc(describeSource(r.source))}) · ${r.load.workers} worker(s): <code>${esc(r.source.workerCommand)}</code></p>
<p class="meta">${esc(r.machine.cpuModel)} ×${r.machine.cpuCount} · ${esc(r.machine.platform)}/${esc(r.machine.arch)} · node ${esc(r.machine.node)} · generator ${formatNumber(g.cpuUsPerInvocation)} µs CPU per invocation</p>
${r.stopReason !== 'done' ? `<p class="bad">stopped early: ${esc(r.stopReason)}</p>` : ''}
<table id="summary"><thead><tr><th></th><th>completed</th><th>inv/s</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>p99.99</th><th>max</th><th>errors</th><th>statuses</th></tr></thead><tbody>
${rows.map(([name, f]) => summaryRow(name, f)).join('\n')}
</tbody></table>
${r.verify ? `<p class="${r.verify.differed ? 'bad' : ''}">verify: ${r.verify.compared} compared, ${r.verify.matched} matched, ${r.verify.differed} differed</p>` : ''}
${r.verify && r.verify.samples.length > 0 ? `<ul>${r.verify.samples.flatMap((x) => x.differences.slice(0, 5).map((d) => `<li><code>${esc(x.function)}: ${esc(d.path)}</code>: ${esc(d.recorded)} → ${esc(d.actual)}</li>`)).join('')}</ul>` : ''}
<table id="workers"><thead><tr><th>worker</th><th>pid</th><th>sent</th><th>completed</th><th>errors</th><th>CPU µs/inv</th></tr></thead><tbody>
${r.workers.map((w) => `<tr><td>#${w.index + 1} <code>${esc(w.workerId)}</code></td><td>${w.pid ?? '-'}</td><td>${w.sent}</td><td>${w.completed}</td><td>${w.errors}</td><td>${w.cpuUsPerInvocation == null ? '-' : formatNumber(w.cpuUsPerInvocation)}</td></tr>`).join('\n')}
</tbody></table>
<p class="meta">warmup: ${r.warmup.sent} sent, ${r.warmup.completed} answered (not counted) · measured ${(r.durationMs / 1000).toFixed(2)} s · send lag mean ${formatUs(g.meanSendLagUs)}, max ${formatUs(g.maxSendLagUs)}${r.overall.backlog ? ` · <span class="bad">${r.overall.backlog} never sent (backlog)</span>` : ''}</p>
${r.machines ? machinesHtml(r.machines) : ''}
${r.comparison ? comparisonHtml(r.comparison) : ''}
${notes.length > 0 ? `<ul class="meta">${notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : ''}
<div class="charts">
<div class="chart"><h2>Latency by percentile</h2><div id="percentiles"></div></div>
<div class="chart"><h2>Latency histogram</h2><div id="histogram"></div></div>
<div class="chart"><h2>Throughput over time</h2><div id="throughput"></div></div>
<div class="chart"><h2>Latency over time</h2><div id="latency"></div></div>
</div>
<script type="application/json" id="report-data">${data}</script>
<script>${assets.script}</script>
<script>${CHART_SCRIPT}</script>
</body></html>
`;
}

function machinesHtml(machines: NonNullable<BenchReport['machines']>): string {
  const [head, ...rows] = machineRows(machines);
  const cells = (row: string[], tag: string) => row.map((c) => `<${tag}>${esc(c)}</${tag}>`).join('');
  return `<h2>Machines</h2>
<table id="machines"><thead><tr>${cells(head!, 'th')}</tr></thead><tbody>
${rows.map((row) => `<tr>${cells(row, 'td')}</tr>`).join('\n')}
</tbody></table>`;
}

function comparisonHtml(c: NonNullable<BenchReport['comparison']>): string {
  const fmt = (unit: string, x: number) => (unit === 'us' ? formatUs(x) : formatNumber(x));
  const rows = [
    ...c.rows.map((r) => ['', r] as const),
    ...c.functions.flatMap((f) => f.rows.map((r) => [`${f.name} `, r] as const)),
  ];
  const verdict = c.regressed
    ? `<p class="bad">regression: throughput or p99 worse than the baseline by more than ${c.maxRegressionPct}%</p>`
    : `<p>within ${c.maxRegressionPct}% of the baseline (throughput and p99)</p>`;
  return `<h2>Compared with ${esc(c.baseline)}</h2>
<table id="comparison"><thead><tr><th></th><th>baseline</th><th>current</th><th>change</th><th></th></tr></thead><tbody>
${rows.map(([prefix, r]) => `<tr><td>${esc(prefix + r.metric)}</td><td>${fmt(r.unit, r.baseline)}</td><td>${fmt(r.unit, r.current)}</td><td${r.regression ? ' class="bad"' : ''}>${formatPercent(r.changePct)}</td><td>${r.regression ? '<b class="bad">REGRESSION</b>' : r.gated ? 'gate' : ''}</td></tr>`).join('\n')}
</tbody></table>${verdict}`;
}

function pick(f: Figures) {
  return { percentiles: f.percentiles, histogram: f.histogram };
}

function summaryRow(name: string, f: Figures): string {
  const l = f.latency;
  const lat = l
    ? [l.p50Us, l.p90Us, l.p99Us, l.p999Us, l.p9999Us, l.maxUs].map(formatUs)
    : Array(6).fill('-');
  const statuses = Object.entries(f.statuses)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');
  return `<tr><td>${esc(name)}</td><td>${f.completed}</td><td>${formatNumber(f.throughput)}</td>${lat.map((x) => `<td>${x}</td>`).join('')}<td${f.errors + f.unanswered ? ' class="bad"' : ''}>${f.errors + f.unanswered}</td><td>${esc(statuses)}</td></tr>`;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Runs in the page: draws the four charts with uPlot from #report-data. */
const CHART_SCRIPT = String.raw`
(function () {
  var d = JSON.parse(document.getElementById('report-data').textContent);
  var COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
  var W = function () { return Math.max(480, Math.min(900, (document.querySelector('.chart') || document.body).clientWidth - 20)); };
  function ms(us) { return us / 1000; }
  function fmtMs(v) { return v == null ? '-' : v >= 100 ? v.toFixed(0) + ' ms' : v >= 1 ? v.toFixed(2) + ' ms' : (v * 1000).toFixed(0) + ' µs'; }
  function nines(p) { return p >= 100 ? null : -Math.log10(1 - p / 100); }
  function pctLabel(x) { var p = 100 * (1 - Math.pow(10, -x)); return 'p' + (Math.round(p * 1000) / 1000); }

  // Percentile plot: x in "nines" (0 = p0, 1 = p90, 2 = p99, 3 = p99.9), y latency in ms.
  var groups = [{ name: 'all', percentiles: d.overall.percentiles }].concat(d.functions);
  var xs = [];
  d.overall.percentiles.forEach(function (q) { var x = nines(q.percentile); if (x !== null) xs.push(x); });
  var pData = [xs];
  var pSeries = [{ label: 'percentile', value: function (u, x) { return x == null ? '-' : pctLabel(x); } }];
  groups.forEach(function (g, i) {
    var byP = {}; g.percentiles.forEach(function (q) { byP[q.percentile] = q.us; });
    var ys = d.overall.percentiles.filter(function (q) { return q.percentile < 100; }).map(function (q) { return byP[q.percentile] == null ? null : ms(byP[q.percentile]); });
    pData.push(ys);
    pSeries.push({ label: g.name, stroke: COLORS[i % COLORS.length], width: i === 0 ? 2 : 1.5, value: function (u, v) { return fmtMs(v); } });
  });
  new uPlot({ width: W(), height: 320, scales: { x: { time: false }, y: { distr: 3 } }, series: pSeries,
    axes: [{ label: 'percentile', splits: function () { return [0, 1, 2, 3, 4, 5].filter(function (x) { return x <= xs[xs.length - 1] + 1e-9; }); }, values: function (u, v) { return v.map(pctLabel); } },
           { label: 'latency (ms)', size: 60 }] }, pData, document.getElementById('percentiles'));

  // Histogram: log-spaced buckets, bars at each bucket's lower edge.
  var h = d.overall.histogram;
  new uPlot({ width: W(), height: 320, scales: { x: { time: false, distr: 3 } },
    series: [{ label: 'latency', value: function (u, v) { return fmtMs(v); } },
             { label: 'invocations', stroke: '#1f77b4', fill: 'rgba(31,119,180,0.35)', paths: uPlot.paths.bars({ size: [0.9, 40], align: 1 }), points: { show: false } }],
    axes: [{ label: 'latency (ms)' }, { label: 'invocations', size: 60 }] },
    [h.map(function (b) { return ms(b.fromUs); }), h.map(function (b) { return b.count; })], document.getElementById('histogram'));

  // Throughput and latency over time, one point per second.
  var t = d.timeline;
  // A run shorter than two seconds has one point: draw it across the part of the second it covers.
  if (t.length === 1) t = [t[0], Object.assign({}, t[0], { second: t[0].spanS || 1 })];
  var secs = t.map(function (p) { return p.second; });
  new uPlot({ width: W(), height: 280, scales: { x: { time: false } },
    series: [{ label: 'second' }, { label: 'completed/s', stroke: '#2ca02c', width: 2 }, { label: 'errors/s', stroke: '#d62728' }],
    axes: [{ label: 'seconds' }, { label: 'invocations/s', size: 60 }] },
    [secs, t.map(function (p) { return p.completed / (p.spanS || 1); }), t.map(function (p) { return p.errors / (p.spanS || 1); })], document.getElementById('throughput'));
  new uPlot({ width: W(), height: 280, scales: { x: { time: false } },
    series: [{ label: 'second' },
      { label: 'p50', stroke: '#1f77b4', width: 2, value: function (u, v) { return fmtMs(v); } },
      { label: 'p99', stroke: '#ff7f0e', width: 2, value: function (u, v) { return fmtMs(v); } },
      { label: 'max', stroke: '#d62728', value: function (u, v) { return fmtMs(v); } }],
    axes: [{ label: 'seconds' }, { label: 'latency (ms)', size: 60 }] },
    [secs].concat(['p50Us', 'p99Us', 'maxUs'].map(function (k) { return t.map(function (p) { return p.completed ? ms(p[k]) : null; }); })),
    document.getElementById('latency'));
  document.body.setAttribute('data-charts', String(document.querySelectorAll('.uplot').length));
})();
`;
