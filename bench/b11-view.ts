import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Benchmark, BenchContext, BenchResult } from './lib/benchmark.js';
import { metric } from './lib/benchmark.js';
import { sampleRss, spawnFunctape } from './lib/proc.js';
import { runChildScript } from './lib/run-child.js';
import { rssGrowthMB } from './b5-memory.js';
import { CHROMIUM, launchChromium } from '../test/helpers/chromium.js';

/** How long a run pans and zooms the timeline while the server's RSS is sampled. */
const PAN_MS = 10_000;

/**
 * Benchmark 11: `functape view` on a 1M-message session (200k with --quick), in headless
 * Chromium. Per run a fresh server (nothing cached) and page: the time from navigation to
 * the first drawn timeline (the part of the session counted within the server's first
 * budget), and to the timeline of the whole session counted; then 10 s of dragging and
 * wheel-zooming at random places, zoomed out and in to single invocations, while the
 * server's RSS is sampled every 100 ms: its peak and its growth (flat memory).
 */
export const viewBenchmark: Benchmark = {
  id: 11,
  title: '`view`: timeline of a 1M-message session',
  async run(ctx: BenchContext): Promise<BenchResult> {
    const n = ctx.quick ? 200_000 : 1_000_000;
    const db = join(ctx.tmp, 'b11.db');
    const notes: string[] = [];
    const runs: unknown[] = [];
    const first: number[] = [];
    const full: number[] = [];
    const peak: number[] = [];
    const growth: number[] = [];
    let error: string | undefined;
    if (!existsSync(CHROMIUM)) error = 'Debian chromium not installed (scripts/install-test-deps.sh)';
    else {
      ctx.log(`  writing a ${n}-message session`);
      await runChildScript('view-session-child.js', [String(n), db]);
      notes.push(
        `${n} messages, ${(statSync(db).size / 2 ** 20).toFixed(0)} MB; ${PAN_MS / 1000} s of panning per run`,
      );
      const browser = await launchChromium(join(ctx.tmp, 'b11-profile'));
      try {
        for (let i = 0; i < ctx.runs && !error; i++) {
          const r = await oneRun(ctx, browser, db).catch((err: unknown) => {
            error = err instanceof Error ? err.message : String(err);
            return undefined;
          });
          if (!r) break;
          first.push(r.firstMs);
          full.push(r.fullMs);
          peak.push(r.peakMB);
          growth.push(r.growthMB);
          runs.push(r);
          ctx.log(
            `  run ${i + 1}: first draw ${r.firstMs.toFixed(0)} ms, whole session ${r.fullMs.toFixed(0)} ms, peak RSS ${r.peakMB.toFixed(0)} MB, growth ${r.growthMB.toFixed(1)} MB`,
          );
        }
      } finally {
        await browser.close();
      }
    }
    const target = { target: { kind: 'max' as const, value: 1500 }, text: '≤ 1.5 s' };
    return {
      id: 11,
      title: this.title,
      metrics: [
        metric('first-draw', 'navigation → first drawn timeline', 'ms', first, undefined, target, error),
        metric(
          'whole-session',
          'navigation → whole session counted and drawn',
          'ms',
          full,
          undefined,
          undefined,
          error,
        ),
        metric('peak-rss', 'server peak RSS while panning', 'MB', peak, undefined, undefined, error),
        metric(
          'rss-growth',
          'server RSS growth while panning',
          'MB',
          growth,
          undefined,
          { target: { kind: 'max', value: 10 }, text: 'flat (≤ 10 MB)' },
          error,
        ),
      ],
      runs,
      notes,
      ...(error ? { error } : {}),
    };
  },
};

type Browser = Awaited<ReturnType<typeof import('playwright-core')['chromium']['launchPersistentContext']>>;

async function oneRun(ctx: BenchContext, browser: Browser, db: string) {
  const server = spawnFunctape(['view', '--db', db], { measure: join(ctx.tmp, 'b11.exit.json') });
  try {
    const [url] = await server.waitFor(/^http:\S+/, 30_000);
    const page = await browser.newPage();
    const t0 = performance.now();
    await page.goto(`${url}#view=timeline&s=1`);
    await page.waitForSelector('#gantt[data-indexed]', { timeout: 60_000 });
    const firstMs = performance.now() - t0;
    await page.waitForSelector('body[data-drawn]', { timeout: 120_000 });
    const fullMs = performance.now() - t0;
    const box = (await page.locator('#gantt').boundingBox())!;
    const sampler = sampleRss(server.pid, 100);
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const until = performance.now() + PAN_MS;
    for (let k = 0; performance.now() < until; k++) {
      const x = box.x + 50 + rnd() * (box.width - 100);
      const y = box.y + box.height / 2;
      await page.mouse.move(x, y);
      if (k % 3 === 2) {
        // zoom in hard, then back out: single invocations, then the whole session again
        for (let z = 0; z < 10; z++) await page.mouse.wheel(0, -300);
        await page.waitForTimeout(100);
        for (let z = 0; z < 10; z++) await page.mouse.wheel(0, 300);
      } else {
        await page.mouse.down();
        for (let s = 1; s <= 8; s++) await page.mouse.move(x + (rnd() - 0.5) * 80 * s, y);
        await page.mouse.up();
      }
      await page.waitForTimeout(50);
    }
    const samples = sampler.stop();
    await page.close();
    return {
      firstMs,
      fullMs,
      peakMB: Math.max(...samples.map((s) => s.rssMB)),
      growthMB: rssGrowthMB(samples),
      samples: samples.length,
    };
  } finally {
    await server.stop('SIGINT');
  }
}
