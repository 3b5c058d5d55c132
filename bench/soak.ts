// `npm run soak -- --minutes N [--rate R] [--interval S] [--out FILE]` (issue 6; not run in CI):
// drives host → record → worker at a steady rate for N minutes — `functape bench` (open loop)
// as the host, `functape wrap` (the recording proxy) in front of `functape worker`'s noop —
// and writes, every interval, the proxy's RSS, open handles and CPU, the worker's and the
// host's RSS, and the recording's throughput (frames stored, counted in the live database),
// as JSON lines; then a summary line saying whether memory, handles and throughput stayed flat.
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import {
  FUNCTAPE_BIN,
  REPO,
  childrenOf,
  commandLine,
  cpuMs,
  openHandles,
  rssMB,
  spawnFunctape,
} from './lib/proc.js';
import { summarize } from './lib/stats.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    rate: { type: 'string', default: '1000' },
    interval: { type: 'string' },
    out: { type: 'string' },
  },
});
const minutes = Number(values.minutes);
const rate = Number(values.rate);
const intervalS = values.interval ? Number(values.interval) : minutes >= 10 ? 60 : 10;
if (!(minutes > 0) || !(rate > 0) || !(intervalS > 0)) {
  process.stderr.write('soak: --minutes, --rate and --interval must be positive numbers\n');
  process.exit(2);
}
const NODE = process.execPath;
const worker = `${NODE} ${FUNCTAPE_BIN} worker`;
const tmp = mkdtempSync(join(tmpdir(), 'functape-soak-'));
const stamp = new Date()
  .toISOString()
  .replace(/:/g, '-')
  .replace(/\.\d+Z$/, 'Z');
const out = values.out ?? join(REPO, 'bench', 'results', `soak-${stamp}.jsonl`);
mkdirSync(join(out, '..'), { recursive: true });
writeFileSync(out, '');
const emit = (o: object) => {
  const line = JSON.stringify(o);
  appendFileSync(out, `${line}\n`);
  process.stdout.write(`${line}\n`);
};

try {
  // 1. A recording of noop invocations for the host to clone.
  const template = join(tmp, 'noop.db');
  const host = spawnFunctape([
    'host',
    '--worker',
    `${NODE} ${FUNCTAPE_BIN} wrap --db ${template} -- ${worker}`,
    '-f',
    'noop',
    '-n',
    '200',
    '-c',
    '8',
  ]);
  if ((await host.exited).code !== 0)
    throw new Error(`recording the noop template failed: ${host.stderr().trim().slice(-300)}`);

  // 2. host (bench, open loop) → wrap (record) → worker, for `minutes`.
  const db = join(tmp, 'soak.db');
  const report = join(tmp, 'bench.json');
  const bench = spawnFunctape([
    'bench',
    '--db',
    template,
    '--worker',
    `${NODE} ${FUNCTAPE_BIN} wrap --db ${db} -- ${worker}`,
    '--rate',
    String(rate),
    '-d',
    `${minutes * 60}s`,
    '--json',
    report,
    '--progress',
    'false',
    '--start-timeout',
    '60s',
  ]);
  emit({ type: 'start', minutes, rate, intervalS, node: process.version, db, out: relative(REPO, out) });

  let wrapPid: number | undefined;
  let workerPid: number | undefined;
  const find = () => {
    wrapPid ??= childrenOf(bench.pid).find((p) => commandLine(p).includes(' wrap '));
    if (wrapPid !== undefined)
      workerPid ??= childrenOf(wrapPid).find((p) => commandLine(p).includes(' worker'));
  };
  const countFrames = (): number | undefined => {
    try {
      const d = new Database(db, { readonly: true, fileMustExist: true });
      try {
        return (d.prepare('SELECT count(*) AS n FROM frames').get() as { n: number }).n;
      } finally {
        d.close();
      }
    } catch {
      return undefined;
    }
  };
  const t0 = performance.now();
  let last = { t: t0, frames: 0, cpu: 0 };
  const rows: Array<{ rss: number; handles: number; fps: number }> = [];
  const sample = () => {
    find();
    const t = performance.now();
    const frames = countFrames() ?? last.frames;
    const cpu = wrapPid !== undefined ? (cpuMs(wrapPid) ?? last.cpu) : 0;
    const dt = (t - last.t) / 1000;
    const row = {
      type: 'sample',
      minute: Math.round(((t - t0) / 60_000) * 100) / 100,
      proxy: {
        pid: wrapPid,
        rssMB: wrapPid ? rssMB(wrapPid) : undefined,
        handles: wrapPid ? openHandles(wrapPid) : undefined,
        cpuPct: Math.round(((cpu - last.cpu) / 10 / dt) * 10) / 10,
      },
      worker: {
        rssMB: workerPid ? rssMB(workerPid) : undefined,
        handles: workerPid ? openHandles(workerPid) : undefined,
      },
      host: { rssMB: rssMB(bench.pid), handles: openHandles(bench.pid) },
      framesStored: frames,
      framesPerSec: Math.round((frames - last.frames) / dt),
    };
    last = { t, frames, cpu };
    if (row.proxy.rssMB !== undefined)
      rows.push({ rss: row.proxy.rssMB, handles: row.proxy.handles ?? NaN, fps: row.framesPerSec });
    emit(row);
  };
  const timer = setInterval(sample, intervalS * 1000);
  const stop = () => bench.proc.kill('SIGINT');
  process.once('SIGINT', stop);
  const { code } = await bench.exited;
  clearInterval(timer);
  process.off('SIGINT', stop);

  // 3. Summary: the first sample is warm-up; compare the second with the rest.
  const steady = rows.slice(1, -1).length >= 2 ? rows.slice(1, -1) : rows;
  const rss = steady.map((r) => r.rss);
  const handles = steady.map((r) => r.handles);
  const fps = steady.map((r) => r.fps);
  // Growth: median of the last third minus median of the first third (a drop is not a leak).
  const third = Math.max(1, Math.floor(rss.length / 3));
  const growth = rss.length
    ? summarize(rss.slice(-third)).median - summarize(rss.slice(0, third)).median
    : NaN;
  const frames = countFrames();
  emit({
    type: 'summary',
    benchExit: code,
    samples: rows.length,
    proxyRssMB: summarize(rss),
    proxyRssGrowthMB: Math.round(growth * 10) / 10,
    proxyHandles: summarize(handles),
    framesPerSec: summarize(fps),
    framesStored: frames,
    expectedFramesPerSec: rate * 2,
    flat: {
      rss: growth <= Math.max(10, 0.1 * (rss[0] ?? 0)),
      handles: handles.length > 0 && Math.max(...handles) - Math.min(...handles) <= 2,
      throughput: fps.length > 0 && Math.min(...fps) >= 0.9 * rate * 2,
    },
  });
  process.exitCode = code === 0 ? 0 : 1;
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
