// `functape view` end to end in headless Chromium (Debian's package, as bench-html.test.ts):
// the demo recording's sessions table, its Gantt chart (one bar per invocation, counted
// against the recording), the inspector, a filter, a deep link, a session appended while
// the page is open, a replay report, and the 403s; the message list's selection and
// scrolling, the range's wheel zoom and double-click, and a growing session followed live.
// Screenshots of each view go to artifacts/view/ (gitignored; docs/images/ holds copies
// for the README).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { openRecording } from '../src/recording/open-recording.js';
import { CHROMIUM, launchChromium } from './helpers/chromium.js';
import { SAMPLE_SESSION } from './helpers/sample-session.js';
import { appendSampleSession, get, openLiveSession, startView } from './helpers/view-process.js';

const BIN = resolve(process.cwd(), 'bin/functape');
const ARTIFACTS = resolve(process.cwd(), 'artifacts/view');

function countKind(db: string, session: number, kind: string, fn?: string): number {
  const r = openRecording(db);
  try {
    let n = 0;
    for (const f of r.frames(session, { kinds: [kind] })) if (!fn || f.functionId === fn) n += 1;
    return n;
  } finally {
    r.close();
  }
}

/** Poll an attribute until `ok` (the page's CSP forbids the eval a string predicate needs). */
async function waitForAttribute(
  page: Page,
  selector: string,
  name: string,
  ok: (v: string | null) => boolean,
) {
  for (const until = Date.now() + 20_000; Date.now() < until; await page.waitForTimeout(50)) {
    const v = await page.getAttribute(selector, name);
    if (ok(v)) return v;
  }
  throw new Error(`${selector} ${name}: ${await page.getAttribute(selector, name)}`);
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

test('functape view: sessions, timeline, inspector, filter, deep link, live session, report, token', {
  skip: !existsSync(CHROMIUM) && 'Debian chromium not installed (scripts/install-test-deps.sh)',
  timeout: 150_000,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'functape-view-'));
  // One cleanup, in order: the browser first (its event stream would keep the server busy),
  // then the server, then the folder (Chromium writes its profile there until it has exited).
  let closeBrowser = async () => {};
  let stopView = async (): Promise<number | null> => 0;
  t.after(async () => {
    await Promise.race([closeBrowser(), new Promise((r) => setTimeout(r, 10_000))]);
    const viewExit = await stopView();
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    assert.equal(viewExit, 0, 'view exits 0 on SIGINT');
  });
  mkdirSync(ARTIFACTS, { recursive: true });
  execFileSync(process.execPath, [BIN, 'demo', '--dir', dir, '-n', '120', '-c', '8'], { stdio: 'ignore' });
  const db = join(dir, 'demo.db');
  const report = join(dir, 'replay.json');
  try {
    execFileSync(
      process.execPath,
      [
        BIN,
        'replay',
        'host',
        '--db',
        db,
        '--worker',
        `${process.execPath} ${BIN} worker --greeting Hi`,
        '--report',
        report,
      ],
      { stdio: 'ignore' },
    );
  } catch {
    // exit 1: the answers differ, which is the point
  }
  const requests = countKind(db, 1, 'invocationRequest');
  const fails = countKind(db, 1, 'invocationRequest', 'fail');
  assert.ok(requests === 120 && fails > 0, `${requests} requests, ${fails} to fail`);

  const view = await startView(['--db', db, '--report', report]);
  stopView = () => view.stop();
  assert.match(view.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{48}$/);
  const base = view.url.split('?')[0]!;
  assert.equal((await get(base)).status, 403, 'no token');
  assert.equal((await get(`${base}api/sessions?token=wrong`)).status, 403, 'wrong token');
  assert.equal((await get(view.url, 'evil.example:80')).status, 403, 'a foreign Host (DNS rebinding)');
  assert.equal((await get(view.url)).status, 200);

  const browser = await launchChromium(join(dir, 'profile'));
  closeBrowser = () => browser.close();
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('request', (r) => !r.url().startsWith(base) && problems.push(`request: ${r.url()}`));

  // Sessions table, then the report (the page opens on it with --report).
  await page.goto(view.url.replace(/$/, '#view=sessions'));
  await page.waitForSelector('body[data-ready=sessions] table#sessions[data-rows="1"]');
  await shot(page, 'sessions');
  await page.click('nav a[data-nav=report]');
  await page.waitForSelector('body[data-ready=report] #verdict');
  assert.match((await page.textContent('#verdict')) ?? '', /differed/);
  assert.ok(
    (await page.locator('.outcome[data-status=differed] .side .diff').count()) >= 2,
    'differing paths marked on both sides',
  );
  await shot(page, 'report');

  // Timeline: one bar per invocation.
  await page.click('nav a[data-nav=sessions]');
  await page.click('tr.row[data-session="1"]');
  await page.waitForSelector('body[data-ready=timeline][data-drawn]');
  assert.equal(Number(await page.getAttribute('#gantt', 'data-bars')), requests, 'one bar per invocation');
  assert.ok(Number(await page.getAttribute('#gantt', 'data-markers')) > 5, 'control markers drawn');
  await page.waitForSelector('#list[data-total] .row');
  const allMessages = Number(await page.getAttribute('#list', 'data-total'));

  // Click a bar: the inspector shows that invocation, its answer's JSON among its messages.
  const sample = JSON.parse((await page.getAttribute('#gantt', 'data-sample')) ?? '{}') as {
    id: string;
    x: number;
    y: number;
  };
  await page.mouse.click(
    (await page.locator('#gantt').boundingBox())!.x + sample.x,
    (await page.locator('#gantt').boundingBox())!.y + sample.y,
  );
  await page.waitForSelector(
    `#inspector[data-invocation="${sample.id}"] .msg[data-kind=invocationResponse] .tree`,
  );
  assert.match(
    (await page.textContent('#inspector .msg[data-kind=invocationResponse]')) ?? '',
    new RegExp(`"${sample.id}"`),
  );
  await shot(page, 'timeline');

  // A filter narrows the list and the bars.
  await page.selectOption('select[name=function]', 'fail');
  await waitForAttribute(page, '#list', 'data-total', (v) => Number(v) > 0 && Number(v) < allMessages);
  await page.waitForSelector(`#gantt[data-bars="${fails}"]`);
  const filtered = Number(await page.getAttribute('#list', 'data-total'));
  assert.ok(filtered > fails && filtered < allMessages, `${filtered} of ${allMessages} messages are fail's`);
  await shot(page, 'filtered');

  // The URL keeps the state: a new page on it opens the same invocation, filter and range.
  const link = page.url();
  assert.match(link, /inv=.*fn=fail/);
  const again = await browser.newPage();
  await again.goto(link);
  await again.waitForSelector(
    `#inspector[data-invocation="${sample.id}"] .msg[data-kind=invocationResponse]`,
  );
  assert.equal(await again.inputValue('select[name=function]'), 'fail');
  await again.close();

  // The list and the range, unfiltered: a message without an invocation opens in the
  // inspector, the last page of rows loads on scrolling, wheel zooms and double-click
  // shows everything again, each kept in the URL.
  const plain = await browser.newPage();
  plain.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await plain.goto(`${view.url}#view=timeline&s=1`);
  await plain.waitForSelector('body[data-ready=timeline][data-drawn] #list[data-total] .row');
  const control = plain.locator('#list .row:not([data-invocation])').first();
  const seq = await control.getAttribute('data-seq');
  await control.click();
  await plain.waitForSelector(`#inspector[data-seq="${seq}"] .msg`);
  assert.equal(await plain.locator('#list .row.sel').getAttribute('data-seq'), seq);
  assert.match(plain.url(), new RegExp(`[#&]seq=${seq}(&|$)`));
  assert.doesNotMatch(plain.url(), /inv=/);
  await plain.locator('#list').evaluate((list) => {
    list.scrollTop = list.scrollHeight;
  });
  await plain.waitForSelector(`#list .row[style*="top:${(allMessages - 1) * 20}px"]`);
  const range = () => {
    const q = new URLSearchParams(new URL(plain.url()).hash.slice(1));
    return [Number(q.get('t0')), Number(q.get('t1'))];
  };
  await plain.locator('#gantt').dblclick();
  await waitForAttribute(plain, 'body', 'data-drawn', () => plain.url().includes('t1='));
  const [full0, full1] = range();
  assert.equal(full0, 0);
  const box = (await plain.locator('#gantt').boundingBox())!;
  await plain.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await plain.mouse.wheel(0, -300);
  await waitForAttribute(plain, 'body', 'data-drawn', () => range()[1]! - range()[0]! < full1! - full0!);
  await plain.locator('#gantt').dblclick();
  await waitForAttribute(plain, 'body', 'data-drawn', () => range()[0] === full0 && range()[1] === full1);
  await plain.close();

  // Live: a session appended while the page shows the sessions table appears in it.
  await page.click('nav a[data-nav=sessions]');
  await page.waitForSelector('table#sessions[data-rows="1"]');
  await appendSampleSession(db, 'appended live');
  await page.waitForSelector('table#sessions[data-rows="2"]', { timeout: 10_000 });
  assert.match((await page.textContent('table#sessions')) ?? '', /appended live/);

  // Follow: the timeline of a session still being recorded grows with it (the list, and
  // the range, which starts at 0 and so widens to the new end).
  const growing = await openLiveSession(db, 'growing');
  try {
    growing.write(SAMPLE_SESSION.slice(0, 8));
    // committed before the page opens: the session (its start is in the same batch) must
    // exist when the page first asks for it, however slow the writer thread is
    await growing.flush();
    const live = await browser.newPage();
    live.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    await live.goto(`${view.url}#view=timeline&s=${growing.id}`);
    await live.waitForSelector('body[data-ready=timeline] #list[data-total="8"] .row');
    assert.equal(await live.isChecked('#follow'), true, 'follow is on for a session without an end');
    growing.write(SAMPLE_SESSION.slice(8));
    await live.waitForSelector(`#list[data-total="${SAMPLE_SESSION.length}"]`, { timeout: 10_000 });
    const last = Number(SAMPLE_SESSION.at(-1)!.tNs);
    await waitForAttribute(live, 'body', 'data-drawn', () => {
      const q = new URLSearchParams(new URL(live.url()).hash.slice(1));
      return q.get('t0') === '0' && Number(q.get('t1')) >= last;
    });
    await live.close();
  } finally {
    await growing.end();
  }
  assert.deepEqual(problems, []);
});
