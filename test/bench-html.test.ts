// The HTML bench report opens in headless Chromium (Debian's package), offline, without
// console errors, and draws its four charts with real pixels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { makeSampleBenchReport } from './helpers/bench-fixture.js';
import { renderBenchHtml } from '../src/report/bench-html.js';
import { compareBenchReports } from '../src/report/bench-compare.js';
import { loadUplotAssets } from '../src/report/uplot-assets.js';

const CHROMIUM = '/usr/bin/chromium';

test('the HTML report renders its charts in headless Chromium', {
  skip: !existsSync(CHROMIUM) && 'Debian chromium not installed (scripts/install-test-deps.sh)',
  timeout: 60_000,
}, async () => {
  const { chromium } = await import('playwright-core');
  const dir = mkdtempSync(join(tmpdir(), 'functape-html-'));
  // A fresh profile each run (launchPersistentContext is how playwright takes a user-data-dir).
  const browser = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1300, height: 1000 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    const file = join(dir, 'report.html');
    const report = makeSampleBenchReport(1.5);
    report.comparison = {
      ...compareBenchReports(makeSampleBenchReport(), report, 10),
      baseline: 'baseline.json',
    };
    const html = renderBenchHtml(report, loadUplotAssets());
    assert.ok(!/<script[^>]+src=|<link[^>]+href=/.test(html), 'nothing is fetched from elsewhere');
    writeFileSync(file, html);
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('request', (req) => {
      if (!req.url().startsWith('file:')) problems.push(`request: ${req.url()}`);
    });
    await page.goto(`file://${file}`);
    await page.waitForSelector('body[data-charts]', { timeout: 10_000 });
    assert.deepEqual(problems, []);
    assert.equal(await page.getAttribute('body', 'data-charts'), '4');
    assert.equal(await page.locator('canvas').count(), 4);
    const title = await page.textContent('h1');
    assert.match(title ?? '', /closed loop/);
    const summary = await page.textContent('#summary');
    assert.match(summary ?? '', /HttpTrigger/);
    assert.match(
      (await page.textContent('#comparison')) ?? '',
      /REGRESSION/,
      'the --compare deltas are on the page',
    );
    assert.match((await page.textContent('#workers')) ?? '', /bbbbbbbb/);
    for (const id of ['percentiles', 'histogram', 'throughput', 'latency']) {
      const png = await page.locator(`#${id} canvas`).screenshot();
      const colours = distinctColours(png);
      assert.ok(colours > 20, `chart ${id} has drawn content (${colours} colours)`);
    }
    const full = await page.screenshot({ fullPage: true });
    assert.ok(full.length > 20_000, `a non-trivial page screenshot (${full.length} bytes)`);
    writeFileSync(join(dir, 'report.png'), full);
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Count distinct RGB colours in an 8-bit RGBA/RGB PNG (non-interlaced), decoding it by hand. */
function distinctColours(png: Buffer): number {
  let pos = 8;
  let width = 0,
    height = 0,
    channels = 4;
  const idat: Buffer[] = [];
  while (pos < png.length) {
    const len = png.readUInt32BE(pos);
    const type = png.toString('ascii', pos + 4, pos + 8);
    const body = png.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      channels = body[9] === 6 ? 4 : 3;
    }
    if (type === 'IDAT') idat.push(body);
    pos += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const prev = Buffer.alloc(stride);
  const cur = Buffer.alloc(stride);
  const seen = new Set<number>();
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? cur[x - channels]! : 0;
      const b = prev[x]!;
      const c = x >= channels ? prev[x - channels]! : 0;
      let v = line[x]!;
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a),
          pb = Math.abs(p - b),
          pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      cur[x] = v & 255;
    }
    for (let x = 0; x < stride; x += channels) seen.add((cur[x]! << 16) | (cur[x + 1]! << 8) | cur[x + 2]!);
    cur.copy(prev);
  }
  return seen.size;
}
